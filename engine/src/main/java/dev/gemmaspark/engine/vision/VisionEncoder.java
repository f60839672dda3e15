package dev.gemmaspark.engine.vision;

import dev.gemmaspark.engine.gguf.GGUFFile;
import dev.gemmaspark.engine.kernel.ThreadPool;
import dev.gemmaspark.engine.kernel.VectorMath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gemma 3n's vision tower (MobileNetV5) and projector from an mmproj GGUF as llama.cpp's converter writes it:
 * images in, 256 vectors of the text model's width out per image, the inputs of the prompt's image positions
 * (gemma3n-vision spec 4; tools/mtmd/models/mobilenetv5.cpp). The network is discovered from the tensor names as
 * tools/mtmd/clip.cpp does: the first block of each of the four stages has stride 2, kernel sizes, widths and head
 * counts come from the shapes.
 *
 * <p>Images are letterboxed ({@link ImagePreprocessor}) and run through the tower together, a few per pass, each
 * as if alone: no operation mixes images, and every element is computed the same way whatever the batch.
 * Thread-safe: passes run one at a time over these weights, whichever view ({@link #withPool}) and thread asks, so
 * that a JVM holds one pass's activations on its heap however many tasks send images at once (each pass uses all
 * the threads of its pool anyway). Their arrays stay for the next pass in a {@link MapArena}.
 */
public final class VisionEncoder implements AutoCloseable {
    static final String STEM = "v.conv_stem.";
    private static final int STAGES = 4;
    /**
     * Pixels of input per pass: one image at the real model's 768 x 768, 323 MB of activations on the heap, so
     * that an executor of Spark's default 1 GB heap can run it; smaller test images go several to a pass.
     */
    private static final long PIXELS_PER_PASS = 768L * 768;

    /** Receives the named intermediate tensors of a pass (the golden data's names), for tests. */
    interface Observer {
        void tensor(String name, FeatureMap map);
    }

    private final Path path;
    private final VisionConfig config;
    private final ThreadPool pool;
    /**
     * The arrays of a pass's feature maps, shared by every view of these weights, and the lock that runs one pass at
     * a time (see the class comment).
     */
    private final MapArena maps;
    private final GGUFFile owned;
    private final VisionTensors.Conv stem;
    private final float[] stemBias;
    private final float[] stemNorm;
    private final Block[][] stages;
    private final Linear fusionExpand;
    private final float[] fusionExpandNorm;
    private final Linear fusionProject;
    private final float[] fusionProjectNorm;
    private final float[] fusionNorm;
    private final float[] softNorm;
    private final Linear projection;

    private VisionEncoder(GGUFFile file, ThreadPool pool, GGUFFile owned) {
        this.path = file.path();
        this.pool = pool;
        this.maps = new MapArena();
        this.owned = owned;
        checkProjector(file);
        int size = file.getInt("clip.vision.image_size");
        int patch = file.getInt("clip.vision.patch_size");
        if (patch <= 0 || size / patch != VisionConfig.TOKENS || size % 256 != 0) {
            throw new IllegalArgumentException(path + ": clip.vision.image_size " + size + " and patch_size " + patch
                    + " do not give Gemma 3n's " + VisionConfig.TOKENS + " image tokens of a 16 x 16 map (the size must"
                    + " be a multiple of 256 and size / patch_size = 256)");
        }
        float[] mean = file.has("clip.vision.image_mean") ? file.getFloatArray("clip.vision.image_mean") : new float[3];
        float[] std = file.has("clip.vision.image_std") ? file.getFloatArray("clip.vision.image_std")
                : new float[] {1, 1, 1};
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException(path + ": clip.vision.image_mean and image_std must have 3 values");
        }
        VisionTensors t = new VisionTensors(file);
        if (!t.has(STEM + "conv.weight")) {
            throw new IllegalArgumentException(path + ": no MobileNetV5 stem (tensor " + STEM + "conv.weight): not a"
                    + " Gemma 3n vision projector");
        }
        stem = t.conv(STEM + "conv.weight", 3);
        stemBias = t.has(STEM + "conv.bias") ? t.vector(STEM + "conv.bias", stem.out()) : null;
        stemNorm = t.vector(STEM + "bn.weight", stem.out());
        stages = new Block[STAGES][];
        List<List<VisionConfig.BlockKind>> kinds = new ArrayList<>();
        int channels = stem.out();
        for (int s = 0; s < STAGES; s++) {
            List<Block> blocks = new ArrayList<>();
            for (int b = 0; ; b++) {
                String prefix = "v.blk." + s + "." + b + ".";
                int stride = b == 0 ? 2 : 1;
                Block block;
                if (t.has(prefix + "conv_exp.weight")) {
                    block = new EdgeResidualBlock(t, prefix, channels, stride);
                } else if (t.has(prefix + "dw_start.conv.weight") || t.has(prefix + "pw_exp.conv.weight")) {
                    block = new InvertedResidualBlock(t, prefix, channels, stride);
                } else if (t.has(prefix + "attn.query.proj.weight")) {
                    block = new AttentionBlock(t, prefix, channels);
                } else {
                    break;
                }
                blocks.add(block);
                channels = block.channels();
            }
            if (blocks.isEmpty()) {
                throw new IllegalArgumentException(path + ": stage " + s + " has no blocks (no tensor v.blk." + s
                        + ".0.*): not a Gemma 3n MobileNetV5 tower, which has " + STAGES + " stages");
            }
            stages[s] = blocks.toArray(Block[]::new);
            kinds.add(blocks.stream().map(Block::kind).toList());
        }
        int fused = stages[2][stages[2].length - 1].channels() + channels;
        int mid = (int) t.dim("v.msfa.ffn.pw_exp.conv.weight", 3);
        fusionExpand = t.pointwise("v.msfa.ffn.pw_exp.conv.weight", fused, mid);
        fusionExpandNorm = t.vector("v.msfa.ffn.pw_exp.bn.weight", mid);
        int width = (int) t.dim("v.msfa.ffn.pw_proj.conv.weight", 3);
        fusionProject = t.pointwise("v.msfa.ffn.pw_proj.conv.weight", mid, width);
        fusionProjectNorm = t.vector("v.msfa.ffn.pw_proj.bn.weight", width);
        fusionNorm = t.vector("v.msfa.norm.weight", width);
        int declared = file.getInt("clip.vision.embedding_length");
        if (declared != width) {
            throw new IllegalArgumentException(path + ": clip.vision.embedding_length is " + declared + " but the"
                    + " fusion adapter gives " + width + " channels");
        }
        softNorm = t.vector("mm.soft_emb_norm.weight", width);
        int textWidth = (int) t.dim("mm.input_projection.weight", 1);
        projection = t.pointwise("mm.input_projection.weight", width, textWidth);
        config = new VisionConfig(size, width, textWidth, mean, std, List.copyOf(kinds));
    }

    /** A view of {@code shared}'s weights that runs on {@code pool} and owns nothing. */
    private VisionEncoder(VisionEncoder shared, ThreadPool pool) {
        this.path = shared.path;
        this.config = shared.config;
        this.pool = pool;
        this.maps = shared.maps;
        this.owned = null;
        this.stem = shared.stem;
        this.stemBias = shared.stemBias;
        this.stemNorm = shared.stemNorm;
        this.stages = shared.stages;
        this.fusionExpand = shared.fusionExpand;
        this.fusionExpandNorm = shared.fusionExpandNorm;
        this.fusionProject = shared.fusionProject;
        this.fusionProjectNorm = shared.fusionProjectNorm;
        this.fusionNorm = shared.fusionNorm;
        this.softNorm = shared.softNorm;
        this.projection = shared.projection;
    }

    /**
     * Fails, naming the file and the problem, unless {@code file} is a Gemma 3n vision projector (llama.cpp's
     * {@code clip} file with a {@code gemma3nv} vision encoder); reads only metadata, so a driver can check a file
     * before executors load it.
     */
    public static void checkProjector(GGUFFile file) {
        String arch = file.getString("general.architecture", "");
        if (!arch.equals("clip")) {
            throw new IllegalArgumentException(file.path() + ": not a vision projector (mmproj) file: its"
                    + " general.architecture is '" + arch + "', an mmproj's is 'clip'"
                    + (arch.startsWith("gemma") ? " (this is a text model; give the mmproj GGUF that comes with it)" : ""));
        }
        if (!file.getBoolean("clip.has_vision_encoder", false)) {
            throw new IllegalArgumentException(file.path() + ": this projector file has no vision encoder"
                    + " (clip.has_vision_encoder is not true)");
        }
        String type = file.getString("clip.vision.projector_type", file.getString("clip.projector_type", ""));
        if (!type.equals("gemma3nv")) {
            throw new IllegalArgumentException(file.path() + ": projector type '" + type + "' is not Gemma 3n's"
                    + " vision projector 'gemma3nv'");
        }
    }

    /** Maps the mmproj GGUF at {@code path} and checks it; fails naming the file and the problem. */
    public static VisionEncoder load(Path path, ThreadPool pool) {
        GGUFFile file = GGUFFile.open(path);
        try {
            return new VisionEncoder(file, pool, file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Over a GGUF file the caller keeps open (and closes after this encoder is no longer used). */
    public static VisionEncoder load(GGUFFile file, ThreadPool pool) {
        return new VisionEncoder(file, pool, null);
    }

    /** The same encoder running its passes on {@code pool}; closing the view closes nothing. */
    public VisionEncoder withPool(ThreadPool pool) {
        return new VisionEncoder(this, pool);
    }

    public Path path() {
        return path;
    }

    public VisionConfig config() {
        return config;
    }

    /** Parameters of the tower and projector. */
    public long parameters() {
        long n = (long) stem.matrix().rows() * stem.matrix().cols() + stemNorm.length
                + (stemBias == null ? 0 : stemBias.length);
        for (Block[] stage : stages) {
            for (Block b : stage) {
                n += b.parameters();
            }
        }
        return n + (long) fusionExpand.rows() * fusionExpand.cols() + fusionExpandNorm.length
                + (long) fusionProject.rows() * fusionProject.cols() + fusionProjectNorm.length + fusionNorm.length
                + softNorm.length + (long) projection.rows() * projection.cols();
    }

    /**
     * Multiply-adds of one image's pass (convolutions, matrix products and attention; norms, activations and
     * pooling, under 1%, not counted): 437 G for the real model (gemma3n-vision spec 7.2).
     */
    public long multiplyAdds() {
        int side = Ops.sameOut(config.imageSize(), 2);
        long n = (long) side * side * stem.out() * stem.matrix().cols();
        int stage2 = 0;
        for (int s = 0; s < stages.length; s++) {
            for (Block b : stages[s]) {
                n += b.multiplyAdds(side, side);
                side = b.outputSide(side);
            }
            if (s == 2) {
                stage2 = side;
            }
        }
        n += (long) stage2 * stage2 * (fusionExpand.rows() * (long) fusionExpand.cols()
                + fusionProject.rows() * (long) fusionProject.cols());
        return n + (long) VisionConfig.TOKENS * projection.rows() * projection.cols();
    }

    /** One line per stage and block, for {@code info}. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("stem: conv " + stem.kernel() + "x" + stem.kernel() + "/2, 3 -> " + stem.out()
                + (stemBias != null ? " (+bias)" : ""));
        for (int s = 0; s < stages.length; s++) {
            for (int b = 0; b < stages[s].length; b++) {
                lines.add("v.blk." + s + "." + b + ": " + stages[s][b]);
            }
        }
        lines.add("fusion adapter: stage 2 + stage 3 -> " + fusionExpand.cols() + " -> " + fusionExpand.rows() + " -> "
                + fusionProject.rows() + ", 16 x 16");
        lines.add("projector: " + projection.cols() + " -> " + projection.rows()
                + (projection.type() != null ? " (" + projection.type() + ", ggml's matrix kernel)" : ""));
        return lines;
    }

    /**
     * The projector output of each image: {@link VisionConfig#TOKENS} rows of the text width, row-major
     * {@code [256][D]} (row {@code y * 16 + x} of the 16 x 16 map).
     */
    public List<float[]> embed(List<RgbImage> images) {
        List<float[]> out = new ArrayList<>(images.size());
        long perImage = (long) config.imageSize() * config.imageSize();
        int perPass = (int) Math.max(1, PIXELS_PER_PASS / perImage);
        for (int from = 0; from < images.size(); from += perPass) {
            List<RgbImage> pass = new ArrayList<>();
            for (RgbImage image : images.subList(from, Math.min(images.size(), from + perPass))) {
                pass.add(ImagePreprocessor.letterbox(image, config.imageSize()));
            }
            out.addAll(encode(pass, null));
        }
        return out;
    }

    public float[] embed(RgbImage image) {
        return embed(List.of(image)).getFirst();
    }

    /**
     * Images already {@code S x S}, through the tower and projector together: per image {@code [256][D]}. The
     * observer sees each map while the pass runs: its array is reused afterwards.
     */
    List<float[]> encode(List<RgbImage> preprocessed, Observer observer) {
        synchronized (maps) {
            FeatureMap x = input(preprocessed);
            x = maps.replace(x, Ops.conv(pool, maps, x, stem, 2), null);
            if (stemBias != null) {
                FeatureMap bias = broadcast(stemBias, x);
                Ops.scaleAndAdd(pool, x, null, bias);
                maps.release(bias);
            }
            x = Ops.normalize(pool, x, stemNorm, true);
            observe(observer, "stem", x);
            FeatureMap stage2 = null;
            for (int s = 0; s < stages.length; s++) {
                for (int b = 0; b < stages[s].length; b++) {
                    x = maps.replace(x, stages[s][b].forward(pool, maps, x), stage2);
                    observe(observer, "blk." + s + "." + b, x);
                }
                if (s == 2) {
                    stage2 = x;
                }
            }
            return project(fuse(stage2, x, observer), observer);
        }
    }

    /** Floats the arena keeps for the next pass. */
    long arenaFloats() {
        synchronized (maps) {
            return maps.floats();
        }
    }

    /** The [0, 1] pixels, normalized by the file's mean and std (0 and 1 for Gemma 3n), channels-last. */
    private FeatureMap input(List<RgbImage> images) {
        int size = config.imageSize();
        FeatureMap x = maps.allocate(images.size(), size, size, 3);
        float[] d = x.data();
        for (int i = 0; i < images.size(); i++) {
            RgbImage image = images.get(i);
            if (image.width() != size || image.height() != size) {
                throw new IllegalArgumentException("image " + i + " is " + image.width() + " x " + image.height()
                        + ", the tower takes " + size + " x " + size);
            }
            byte[] rgb = image.rgb();
            int base = i * size * size * 3;
            for (int j = 0; j < size * size * 3; j++) {
                int c = j % 3;
                d[base + j] = ((rgb[j] & 0xFF) / 255.0f - config.mean()[c]) / config.std()[c];
            }
        }
        return x;
    }

    /** A map of {@code x}'s shape holding {@code v} at every pixel. */
    private FeatureMap broadcast(float[] v, FeatureMap x) {
        FeatureMap b = maps.allocate(x.images(), x.height(), x.width(), x.channels());
        for (int p = 0; p < b.pixels(); p++) {
            System.arraycopy(v, 0, b.data(), p * v.length, v.length);
        }
        return b;
    }

    /**
     * The multi-scale fusion adapter (spec 4.6): the stage-3 map upsampled (nearest) to the stage-2 map's side and
     * appended to its channels, 1x1 expansion → norm → GELU → 1x1 projection → norm, average pooling to 16 x 16,
     * norm. The two stage outputs go back to the arena.
     */
    private FeatureMap fuse(FeatureMap high, FeatureMap low, Observer observer) {
        int side = high.width();
        if (side % low.width() != 0 || side % VisionConfig.OUTPUT_SIDE != 0) {
            throw new IllegalArgumentException(path + ": the stage outputs (" + high.width() + ", " + low.width()
                    + " pixels wide) cannot be fused into a 16 x 16 map");
        }
        int f = side / low.width();
        int ch = high.channels();
        int cl = low.channels();
        FeatureMap cat = maps.allocate(high.images(), side, side, ch + cl);
        pool.parallelFor(cat.pixels(), (s, e) -> {
            for (int p = s; p < e; p++) {
                int image = p / (side * side);
                int y = p / side % side;
                int x = p % side;
                System.arraycopy(high.data(), p * ch, cat.data(), p * (ch + cl), ch);
                int q = (image * low.height() + y / f) * low.width() + x / f;
                System.arraycopy(low.data(), q * cl, cat.data(), p * (ch + cl) + ch, cl);
            }
        });
        maps.release(high);
        if (low != high) {
            maps.release(low);
        }
        observe(observer, "msfa.concat", cat);
        FeatureMap y = maps.replace(cat,
                Ops.normalize(pool, Ops.pointwise(pool, maps, cat, fusionExpand), fusionExpandNorm, true), null);
        observe(observer, "msfa.ffn_exp", y);
        y = maps.replace(y,
                Ops.normalize(pool, Ops.pointwise(pool, maps, y, fusionProject), fusionProjectNorm, false), null);
        observe(observer, "msfa.ffn_proj", y);
        if (side > VisionConfig.OUTPUT_SIDE) {
            y = maps.replace(y, averagePool(y, side / VisionConfig.OUTPUT_SIDE), null);
        }
        y = Ops.normalize(pool, y, fusionNorm, false);
        observe(observer, "msfa.norm", y);
        return y;
    }

    /** k x k windows at stride k: an f32 running sum, rows then columns, divided by k * k (ggml's pool_2d avg). */
    private FeatureMap averagePool(FeatureMap x, int k) {
        int side = x.width() / k;
        int c = x.channels();
        FeatureMap y = maps.allocate(x.images(), side, side, c);
        float div = (float) (k * k);
        pool.parallelFor(y.pixels(), (s, e) -> {
            for (int p = s; p < e; p++) {
                int image = p / (side * side);
                int oy = p / side % side;
                int ox = p % side;
                int o = p * c;
                Arrays.fill(y.data(), o, o + c, 0f);
                for (int dy = 0; dy < k; dy++) {
                    for (int dx = 0; dx < k; dx++) {
                        int q = ((image * x.height() + oy * k + dy) * x.width() + ox * k + dx) * c;
                        VectorMath.add(y.data(), o, x.data(), q, y.data(), o, c);
                    }
                }
                for (int i = 0; i < c; i++) {
                    y.data()[o + i] /= div;
                }
            }
        });
        return y;
    }

    /**
     * The projector (spec 4.7): x sqrt(C_v), RMS norm x weight, linear to D, RMS norm without weight. Its maps go
     * back to the arena; each image's result is a new array.
     */
    private List<float[]> project(FeatureMap tokens, Observer observer) {
        int c = tokens.channels();
        float[] d = tokens.data();
        float scale = (float) Math.sqrt(c);
        pool.parallelFor(tokens.pixels(), (s, e) -> {
            for (int p = s; p < e; p++) {
                VectorMath.scale(d, p * c, scale, d, p * c, c);
                Ops.rmsNorm(d, p * c, softNorm, c);
            }
        });
        observe(observer, "mm.soft_emb_norm", tokens);
        FeatureMap z = maps.replace(tokens, Ops.pointwise(pool, maps, tokens, projection), null);
        observe(observer, "mm.input_projection", z);
        int w = z.channels();
        pool.parallelFor(z.pixels(), (s, e) -> {
            for (int p = s; p < e; p++) {
                Ops.rmsNorm(z.data(), p * w, null, w);
            }
        });
        observe(observer, "embd", z);
        int n = VisionConfig.TOKENS * w;
        List<float[]> embeddings = new ArrayList<>(z.images());
        for (int i = 0; i < z.images(); i++) {
            embeddings.add(Arrays.copyOfRange(z.data(), i * n, (i + 1) * n));
        }
        maps.release(z);
        return embeddings;
    }

    private static void observe(Observer observer, String name, FeatureMap map) {
        if (observer != null) {
            observer.tensor(name, map);
        }
    }

    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}
