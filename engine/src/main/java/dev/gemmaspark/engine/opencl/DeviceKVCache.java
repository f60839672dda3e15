package dev.gemmaspark.engine.opencl;

import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.KVCache;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A sequence's KV cache in an {@link OpenClForwardPass}'s device memory: one slot of its per-layer key and value
 * buffers, with the rings and slots of {@link KVCache}. The prefix cache's saves and loads read and write the
 * device; {@link #copyPrefix} copies on the device.
 */
final class DeviceKVCache extends KVCache {
    private final OpenClForwardPass owner;
    private final int slot;
    private final int rowBytes;
    private boolean closed;

    DeviceKVCache(OpenClForwardPass owner, Gemma3nConfig c, int contextLength, int maxChunk, int slot) {
        super(c, contextLength, maxChunk, false);
        this.owner = owner;
        this.slot = slot;
        this.rowBytes = c.kvDim() * Float.BYTES;
    }

    OpenClForwardPass owner() {
        return owner;
    }

    int slot() {
        return slot;
    }

    @Override
    protected void transfer(int layer, boolean ofValues, long ringOffset, MemorySegment flat, long flatOffset,
                            long bytes, boolean intoRing) {
        ClBuffer ring = ofValues ? owner.values[layer] : owner.keys[layer];
        long at = owner.slotOffset(layer, slot) + ringOffset;
        MemorySegment part = flat.asSlice(flatOffset, bytes);
        if (intoRing) {
            owner.context().write(ring, at, part);
        } else if (part.isNative()) {
            owner.context().read(ring, at, part);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment copy = arena.allocate(bytes, 64);
                owner.context().read(ring, at, copy);
                part.copyFrom(copy);
            }
        }
    }

    @Override
    public void copyPrefix(KVCache from, int n) {
        checkCopy(from, n);
        if (!(from instanceof DeviceKVCache source) || source.owner != owner) {
            throw new IllegalArgumentException("cannot copy KV entries between caches of different backends");
        }
        for (int l = 0; l < owner.keys.length; l++) {
            long bytes = (long) Math.min(n, capacity(l)) * rowBytes;
            owner.context().copy(owner.keys[l], owner.slotOffset(l, source.slot), owner.keys[l],
                    owner.slotOffset(l, slot), bytes);
            owner.context().copy(owner.values[l], owner.slotOffset(l, source.slot), owner.values[l],
                    owner.slotOffset(l, slot), bytes);
        }
    }

    /** Gives the slot back to the backend for the next sequence. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owner.release(slot);
        }
    }
}
