package dev.gemmaspark.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The keys and values of one sequence, F32, off-heap: one ring of slots per KV-owning layer. Global
 * layers keep every position; sliding layers keep only the window plus one chunk of positions (a chunk
 * writes all its keys before any of its queries read), so position p lives in slot {@code p % capacity}.
 *
 * <p>A backend that keeps its caches elsewhere (in device memory) subclasses this with the same rings and slots,
 * holding no host memory, and moves the bytes with {@link #transfer} and {@link #copyPrefix}.
 */
public class KVCache implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment[] keys;
    private final MemorySegment[] values;
    private final int[] capacity;
    private final int kvDim;
    private final int contextLength;

    /**
     * @param contextLength the most positions the sequence will hold
     * @param maxChunk      the most tokens of this sequence in one forward pass
     */
    public KVCache(Gemma3nConfig c, int contextLength, int maxChunk) {
        this(c, contextLength, maxChunk, true);
    }

    /** With {@code host} false, the rings have their shapes but no memory here: a subclass holds them. */
    protected KVCache(Gemma3nConfig c, int contextLength, int maxChunk, boolean host) {
        this.kvDim = c.kvDim();
        this.contextLength = contextLength;
        int layers = c.kvLayerCount();
        this.arena = host ? Arena.ofShared() : null;
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        this.capacity = new int[layers];
        for (int l = 0; l < layers; l++) {
            capacity[l] = c.sliding()[l] ? Math.min(contextLength, c.slidingWindow() + maxChunk) : contextLength;
            long bytes = (long) capacity[l] * kvDim * Float.BYTES;
            if (host) {
                keys[l] = arena.allocate(bytes, 64);
                values[l] = arena.allocate(bytes, 64);
            }
        }
    }

    /** Bytes this cache takes for {@code contextLength} positions and chunks of {@code maxChunk} tokens. */
    public static long bytesFor(Gemma3nConfig c, int contextLength, int maxChunk) {
        long slots = 0;
        for (int l = 0; l < c.kvLayerCount(); l++) {
            slots += c.sliding()[l] ? Math.min(contextLength, c.slidingWindow() + maxChunk) : contextLength;
        }
        return 2 * slots * c.kvDim() * Float.BYTES;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Slots of the ring of KV layer {@code layer}. */
    public final int capacity(int layer) {
        return capacity[layer];
    }

    /** Byte offset of position {@code pos} of layer {@code layer} in {@link #keys}/{@link #values}. */
    public long offset(int layer, int pos) {
        return (long) (pos % capacity[layer]) * kvDim * Float.BYTES;
    }

    public MemorySegment keys(int layer) {
        return host(keys)[layer];
    }

    public MemorySegment values(int layer) {
        return host(values)[layer];
    }

    private MemorySegment[] host(MemorySegment[] rings) {
        if (arena == null) {
            throw new IllegalStateException("this KV cache lives in a device's memory (" + getClass().getSimpleName()
                    + "): only its backend's forward pass can use it");
        }
        return rings;
    }

    /** Stores the key and value of position {@code pos} (all KV heads, {@code kvDim} floats each). */
    public void write(int layer, int pos, float[] k, int kOff, float[] v, int vOff) {
        if (pos >= contextLength) {
            throw new IllegalStateException("position " + pos + " is past the context length " + contextLength);
        }
        long off = offset(layer, pos);
        MemorySegment.copy(k, kOff, host(keys)[layer], ValueLayout.JAVA_FLOAT, off, kvDim);
        MemorySegment.copy(v, vOff, host(values)[layer], ValueLayout.JAVA_FLOAT, off, kvDim);
    }

    /**
     * Makes positions {@code [0, n)} of this cache those of {@code from}, as llama.cpp's
     * {@code llama_kv_cache_seq_cp} does for a shared prompt: a sequence may then go on from position {@code n}
     * as {@code from}'s would. {@code from} must have been written up to position {@code n - 1} and no further,
     * and both caches must have the same slot counts (the same model, context length and chunk size). A
     * sliding layer holds only its last {@code capacity} positions, each at slot {@code p % capacity}: when
     * {@code n} exceeds the capacity every slot is copied, which carries exactly positions
     * {@code [n - capacity, n)}, all that a query at {@code n} or later can see through the window.
     */
    public void copyPrefix(KVCache from, int n) {
        checkCopy(from, n);
        for (int l = 0; l < capacity.length; l++) {
            long bytes = (long) Math.min(n, capacity[l]) * kvDim * Float.BYTES;
            MemorySegment.copy(from.host(from.keys)[l], 0, host(keys)[l], 0, bytes);
            MemorySegment.copy(from.host(from.values)[l], 0, host(values)[l], 0, bytes);
        }
    }

    /** What {@link #copyPrefix} requires of {@code from} and {@code n}, which a subclass's copy checks the same. */
    protected final void checkCopy(KVCache from, int n) {
        if (n < 0 || n > from.contextLength || n > contextLength) {
            throw new IllegalArgumentException("cannot copy " + n + " positions between caches of " + from.contextLength
                    + " and " + contextLength + " positions");
        }
        if (!Arrays.equals(capacity, from.capacity) || kvDim != from.kvDim) {
            throw new IllegalArgumentException("caches of different shapes: slots per layer " + Arrays.toString(
                    from.capacity) + " x " + from.kvDim + " and " + Arrays.toString(capacity) + " x " + kvDim);
        }
    }

    /**
     * Copies positions {@code [start, end)} of every layer into {@code to}, laid out layer by layer, each layer's
     * keys then its values, position by position ({@code (end - start) x kvBytesPerToken} bytes in all). Each
     * position must still be held: a sliding layer holds only its last {@code capacity} positions.
     */
    public void save(int start, int end, MemorySegment to) {
        long layerBytes = (long) (end - start) * kvDim * Float.BYTES;
        for (int l = 0; l < capacity.length; l++) {
            copyRange(l, false, start, end, to, 2 * l * layerBytes, false);
            copyRange(l, true, start, end, to, (2 * l + 1) * layerBytes, false);
        }
    }

    /**
     * Writes positions {@code [start, end)} from a segment {@link #save} filled with the {@code held} positions
     * from {@code start} ({@code end - start <= held}: a block's first positions may be taken alone), into a cache
     * of any capacity, for a sequence that goes on from position {@code upTo >= end}: a sliding layer takes only
     * positions from {@code upTo - capacity} on, the most its ring can hold at {@code upTo} and more than a query
     * at {@code upTo} or later can see through the window. Together with the other blocks below {@code upTo} this
     * leaves the cache as {@link #copyPrefix}{@code (from, upTo)} would.
     */
    public void load(MemorySegment from, int start, int held, int end, int upTo) {
        if (start < 0 || end > upTo || upTo > contextLength || end - start > held) {
            throw new IllegalArgumentException("cannot load positions [" + start + ", " + end + ") of " + held
                    + " held for a sequence at " + upTo + " into a cache of " + contextLength + " positions");
        }
        long layerBytes = (long) held * kvDim * Float.BYTES;
        for (int l = 0; l < capacity.length; l++) {
            int first = Math.max(start, upTo - capacity[l]);
            long skip = (long) (first - start) * kvDim * Float.BYTES;
            copyRange(l, false, first, end, from, 2 * l * layerBytes + skip, true);
            copyRange(l, true, first, end, from, (2 * l + 1) * layerBytes + skip, true);
        }
    }

    /** Copies positions [start, end) between a ring, at their slots, and {@code flat} from {@code flatOffset}. */
    private void copyRange(int layer, boolean ofValues, int start, int end, MemorySegment flat, long flatOffset,
                           boolean intoRing) {
        long row = (long) kvDim * Float.BYTES;
        for (int p = start; p < end; ) {
            int slot = p % capacity[layer];
            int run = Math.min(end - p, capacity[layer] - slot);
            long flatAt = flatOffset + (p - start) * row;
            transfer(layer, ofValues, slot * row, flat, flatAt, run * row, intoRing);
            p += run;
        }
    }

    /**
     * Copies {@code bytes} between the keys (or values) ring of {@code layer} at byte {@code ringOffset} and {@code
     * flat} at {@code flatOffset}, into the ring when {@code intoRing}.
     */
    protected void transfer(int layer, boolean ofValues, long ringOffset, MemorySegment flat, long flatOffset,
                            long bytes, boolean intoRing) {
        MemorySegment ring = ofValues ? host(values)[layer] : host(keys)[layer];
        if (intoRing) {
            MemorySegment.copy(flat, flatOffset, ring, ringOffset, bytes);
        } else {
            MemorySegment.copy(ring, ringOffset, flat, flatOffset, bytes);
        }
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        }
    }
}
