package dev.gemmaspark.engine.audio.decode;

import java.util.Arrays;

/**
 * Band-limited sample-rate conversion by a rational factor L/M (the rates divided by their gcd): each output
 * sample is a Kaiser-windowed sinc interpolation of the input at its exact position, the sinc cut below the
 * lower of the two Nyquist frequencies. For the usual rates the L phases of the filter are tabulated once.
 *
 * <p>The filter spans {@value #ZERO_CROSSINGS} zero crossings on each side with a Kaiser window of beta
 * {@value #KAISER_BETA} (stop band about 86 dB down) and puts its cut-off at {@value #ROLLOFF} of the lower
 * Nyquist frequency: resampling to 16 kHz keeps the band up to about 7.2 kHz flat (the log-mel filters end at
 * 7.6 kHz) and removes what would fold back from above 8 kHz.
 */
public final class Resampler {
    private static final int ZERO_CROSSINGS = 64;
    private static final double KAISER_BETA = 8.6;
    private static final double ROLLOFF = 0.95;
    /** More phases than this are computed per output sample instead of tabulated (odd rates such as 16001 Hz). */
    private static final int MAX_TABLE_PHASES = 4096;
    private static final double I0_BETA = besselI0(KAISER_BETA);

    private final long up;
    private final long down;
    private final double cutoff;
    private final int taps;
    /** Taps of phase p at [p * taps, (p + 1) * taps), or null when computed per sample. */
    private final float[] table;

    private Resampler(int from, int to) {
        long g = gcd(from, to);
        up = to / g;
        down = from / g;
        double ratio = Math.min(1.0, (double) up / down);
        cutoff = ROLLOFF * ratio;
        taps = 2 * (int) Math.ceil(ZERO_CROSSINGS / ratio);
        if (up <= MAX_TABLE_PHASES) {
            table = new float[(int) up * taps];
            for (int p = 0; p < up; p++) {
                phase(p, table, p * taps);
            }
        } else {
            table = null;
        }
    }

    /**
     * {@code in} at {@code from} Hz, converted to {@code to} Hz; the result has ceil(n * to / from) samples.
     *
     * @throws java.util.concurrent.CancellationException when the thread is interrupted (the flag stays set)
     */
    public static float[] resample(float[] in, int from, int to) {
        checkRates(from, to);
        if (from == to) {
            return in.clone();
        }
        Resampler r = new Resampler(from, to);
        long n = r.outputLength(in.length);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("resampled audio too long: " + n + " samples");
        }
        float[] out = new float[(int) n];
        r.produce(in, 0, in.length, in.length, 0, out.length, out, 0, "resampling");
        return out;
    }

    private static void checkRates(int from, int to) {
        if (from < 1 || to < 1) {
            throw new IllegalArgumentException("sample rates must be positive, got " + from + " and " + to);
        }
    }

    private long outputLength(long inputLength) {
        return Math.ceilDiv(inputLength * up, down);
    }

    /** The input sample the output sample {@code j} sits at or just after. */
    private long position(long j) {
        return j * down / up;
    }

    /**
     * Output samples {@code [j0, j1)} into {@code out} from {@code out0}. {@code x[0, xLength)} holds input samples
     * {@code [xStart, xStart + xLength)}, which must cover every tap of those outputs that lies in
     * {@code [0, inputEnd)}; taps outside that range, before the first sample or after the last, weigh zeros.
     */
    private void produce(float[] x, long xStart, int xLength, long inputEnd, long j0, long j1, float[] out, int out0,
            String what) {
        float[] scratch = table == null ? new float[taps] : null;
        int half = taps / 2;
        for (long j = j0; j < j1; j++) {
            if (((j - j0) & (Cancellation.EVERY / 16 - 1)) == 0) {
                // A few thousand multiply-adds per output at high input rates: check every 1024 outputs.
                Cancellation.check(what);
            }
            long t = j * down;
            long pos = t / up;
            int phase = (int) (t % up);
            float[] h;
            int hOff;
            if (table != null) {
                h = table;
                hOff = phase * taps;
            } else {
                phase(phase, scratch, 0);
                h = scratch;
                hOff = 0;
            }
            // Tap k multiplies input sample pos - half + 1 + k.
            long first = pos - half + 1;
            int k0 = (int) Math.max(0, -first);
            int k1 = (int) Math.min(taps, inputEnd - first);
            int base = (int) (first - xStart);
            double acc = 0;
            for (int k = k0; k < k1; k++) {
                acc += h[hOff + k] * x[base + k];
            }
            out[out0 + (int) (j - j0)] = (float) acc;
        }
    }

    /**
     * A conversion fed block by block: it keeps one filter span of input and emits each output sample as soon as
     * its taps have arrived, so the memory is the output and not the input. The output is the same, bit for bit,
     * as {@link #resample} of the whole input.
     */
    static final class Stream {
        private final Resampler r;
        private final String what;
        private final FloatArray out;
        /** Input samples {@code [windowStart, windowStart + windowLength)}. */
        private float[] window;
        private long windowStart;
        private int windowLength;
        private long next;
        private float[] block = new float[0];

        /**
         * @param expectedInput the input length if known, to size the output exactly, else a negative number
         * @param what names the audio in the {@link java.util.concurrent.CancellationException}
         */
        Stream(int from, int to, long expectedInput, String what) {
            checkRates(from, to);
            r = new Resampler(from, to);
            this.what = what;
            out = new FloatArray(expectedInput >= 0 ? r.outputLength(expectedInput) : 1 << 16);
            window = new float[2 * r.taps + 4096];
        }

        void push(float[] x, int off, int n) {
            // Drop the input that no output from here on reaches: everything before the first tap of output next.
            long keepFrom = Math.max(windowStart, Math.min(windowStart + windowLength,
                    r.position(next) - r.taps / 2 + 1));
            int drop = (int) (keepFrom - windowStart);
            if (drop > 0) {
                System.arraycopy(window, drop, window, 0, windowLength - drop);
                windowStart = keepFrom;
                windowLength -= drop;
            }
            if (windowLength + n > window.length) {
                window = Arrays.copyOf(window, Math.max(2 * window.length, windowLength + n));
            }
            System.arraycopy(x, off, window, windowLength, n);
            windowLength += n;
            // Output j is complete once its last tap, input position(j) + taps/2, has arrived: position(j) <= last
            // holds for j < ceil((last + 1) * up / down).
            long available = windowStart + windowLength;
            long last = available - 1 - r.taps / 2;
            if (last >= 0) {
                emit(Math.ceilDiv((last + 1) * r.up, r.down), available);
            }
        }

        /** The output, once the input has ended. */
        float[] finish() {
            long inputLength = windowStart + windowLength;
            emit(r.outputLength(inputLength), inputLength);
            return out.toArray();
        }

        private void emit(long end, long inputEnd) {
            while (next < end) {
                int n = (int) Math.min(end - next, 4096);
                if (block.length < n) {
                    block = new float[n];
                }
                r.produce(window, windowStart, windowLength, inputEnd, next, next + n, block, 0, what);
                out.add(block, 0, n);
                next += n;
            }
        }
    }

    /**
     * The taps of one phase: the output sits {@code p / up} of an input step after input sample {@code pos}; tap k
     * weighs the input sample at distance {@code p/up - (k - half + 1)}. The taps are scaled to sum to 1 so that
     * a constant signal stays exactly constant.
     */
    private void phase(int p, float[] dst, int off) {
        int half = taps / 2;
        double frac = (double) p / up;
        double sum = 0;
        for (int k = 0; k < taps; k++) {
            double d = frac - (k - half + 1);
            double r = d / half;
            double h = Math.abs(r) >= 1 ? 0 : cutoff * sinc(cutoff * d) * kaiser(r);
            dst[off + k] = (float) h;
            sum += h;
        }
        float norm = (float) (1 / sum);
        for (int k = 0; k < taps; k++) {
            dst[off + k] *= norm;
        }
    }

    private static double sinc(double x) {
        return x == 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    }

    private static double kaiser(double r) {
        return besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / I0_BETA;
    }

    /** The modified Bessel function of the first kind, order 0, by its power series. */
    private static double besselI0(double x) {
        double sum = 1;
        double term = 1;
        double q = x * x / 4;
        for (int k = 1; k < 100 && term > 1e-17 * sum; k++) {
            term *= q / ((double) k * k);
            sum += term;
        }
        return sum;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
