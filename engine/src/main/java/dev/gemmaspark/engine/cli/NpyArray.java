package dev.gemmaspark.engine.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A float32 array in NumPy's {@code .npy} format (little-endian {@code <f4}, C order), the format of the golden
 * reference logits and of {@code gemma-spark logits}. Writes version 1.0; reads versions 1 to 3.
 *
 * @param shape the dimensions, outermost first
 * @param data  the elements in C order
 */
public record NpyArray(int[] shape, float[] data) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int CHUNK = 1 << 20;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    public NpyArray {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements, data has " + data.length);
        }
    }

    public void write(Path path) throws IOException {
        String dims = Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        String shapeText = "(" + dims + (shape.length == 1 ? ",)" : ")");
        StringBuilder header = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': ")
                .append(shapeText).append(", }");
        // Magic, version and length take 10 bytes; NumPy pads the header with spaces so the data starts aligned.
        int total = (10 + header.length() + 1 + ALIGN - 1) / ALIGN * ALIGN;
        header.append(" ".repeat(total - 10 - header.length() - 1)).append('\n');
        byte[] headerBytes = header.toString().getBytes(StandardCharsets.US_ASCII);

        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerBytes.length).put(headerBytes);
            int done = 0;
            while (done < data.length) {
                int n = Math.min(buf.remaining() / Float.BYTES, data.length - done);
                buf.asFloatBuffer().put(data, done, n);
                buf.position(buf.position() + n * Float.BYTES);
                done += n;
                drain(ch, buf);
            }
            drain(ch, buf);
        }
    }

    private static void drain(FileChannel ch, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    /** Reads a float32, C-order {@code .npy} file; anything else fails with the file's name and the problem. */
    public static NpyArray read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer start = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, start, path);
            start.flip();
            byte[] magic = new byte[MAGIC.length];
            start.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(path + ": not a .npy file (no \\x93NUMPY magic)");
            }
            int major = start.get();
            start.get();
            long headerLength = major == 1 ? Short.toUnsignedInt(start.getShort())
                    : Integer.toUnsignedLong(start.getInt());
            long headerStart = major == 1 ? 10 : 12;
            if (major < 1 || major > 3 || headerStart + headerLength > ch.size()) {
                throw new IOException(path + ": unsupported .npy version " + major + " or truncated header");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLength);
            ch.position(headerStart);
            readFully(ch, headerBuf, path);
            String header = new String(headerBuf.array(), StandardCharsets.ISO_8859_1);
            String descr = group(DESCR, header, path, "descr");
            if (!descr.equals("<f4")) {
                throw new IOException(path + ": element type '" + descr + "', expected '<f4' (little-endian float32)");
            }
            if (group(FORTRAN, header, path, "fortran_order").equals("True")) {
                throw new IOException(path + ": Fortran order is not supported");
            }
            int[] shape = Arrays.stream(group(SHAPE, header, path, "shape").split(","))
                    .map(String::strip).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
            long count = 1;
            for (int d : shape) {
                count *= d;
            }
            long dataStart = headerStart + headerLength;
            if (count > Integer.MAX_VALUE - 8 || ch.size() - dataStart != count * Float.BYTES) {
                throw new IOException(path + ": shape " + Arrays.toString(shape) + " needs " + count * Float.BYTES
                        + " bytes of data, the file has " + (ch.size() - dataStart));
            }
            float[] data = new float[(int) count];
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            int done = 0;
            while (done < data.length) {
                buf.clear().limit(Math.min(CHUNK, (data.length - done) * Float.BYTES));
                readFully(ch, buf, path);
                buf.flip();
                int n = buf.remaining() / Float.BYTES;
                buf.asFloatBuffer().get(data, done, n);
                done += n;
            }
            return new NpyArray(shape, data);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path path) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException(path + ": truncated .npy file");
            }
        }
    }

    private static String group(Pattern p, String header, Path path, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(path + ": .npy header has no '" + key + "': " + header.strip());
        }
        return m.group(1);
    }
}
