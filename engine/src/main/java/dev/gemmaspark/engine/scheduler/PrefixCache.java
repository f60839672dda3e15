package dev.gemmaspark.engine.scheduler;

import dev.gemmaspark.engine.model.Gemma3nConfig;
import dev.gemmaspark.engine.model.KVCache;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The KV entries of prompt prefixes, kept so that a request starting with the same tokens copies them instead of
 * computing them again, as vLLM's automatic prefix caching and llama.cpp's {@code llama_kv_cache_seq_cp} do.
 *
 * <p>Entries are blocks of {@link #blockTokens()} positions in a tree: a block is keyed by its tokens under the block
 * before it, so a node stands for the whole prefix up to its end, and prompts that share a system prompt share its
 * blocks, stored once, and part where they differ. A block holds every KV-owning layer's keys and values of its
 * positions ({@link KVCache#save}); a position's entries depend only on the tokens up to it (the forward pass is
 * batch-invariant, see {@link dev.gemmaspark.engine.model.ForwardPass}), so copied entries are the computed ones,
 * bit for bit. A request is served the longest chain of blocks its tokens match, up to the positions whose logits
 * it does not need ({@link Job#prefixServable}), and keeps the blocks it computes after each step, while the
 * sliding layers' rings still hold them.
 *
 * <p>The blocks are bounded by a byte budget and evicted least recently used, leaves first: every node is kept
 * more recent than the nodes below it, so the least recent node is always a leaf and a chain is cut from its end.
 * A block's memory is allocated when first needed and reused after eviction; all of it is freed on {@link #close}.
 * Only the scheduler thread uses this class.
 */
final class PrefixCache implements AutoCloseable {
    /** Positions per block: vLLM's default block size. */
    static final int BLOCK_TOKENS = 16;

    private final int block;
    private final long blockBytes;
    private final int maxBlocks;
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> slots = new ArrayList<>();
    private final ArrayDeque<Integer> freeSlots = new ArrayDeque<>();
    private final Node root = new Node(null, null, -1);
    /** Every node but the root, least recently used first. */
    private final LinkedHashSet<Node> lru = new LinkedHashSet<>();

    /** A block of positions {@code [depth * block, (depth + 1) * block)} after the prefix of its parent. */
    static final class Node {
        final Node parent;
        final Key key;
        final int depth;
        final Map<Key, Node> children = new HashMap<>(4);
        /** Where its entries are, or -1 once evicted. */
        int slot;

        Node(Node parent, Key key, int slot) {
            this.parent = parent;
            this.key = key;
            this.depth = parent == null ? 0 : parent.depth + 1;
            this.slot = slot;
        }
    }

    /** A block's tokens, compared by value. */
    record Key(int[] tokens) {
        static Key of(int[] tokens, int from, int to) {
            return new Key(Arrays.copyOfRange(tokens, from, to));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(tokens, k.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }
    }

    /**
     * @param budgetBytes the most bytes of blocks; less than one block keeps nothing
     */
    PrefixCache(Gemma3nConfig config, long budgetBytes) {
        // a block finished in a step must still be in the sliding rings after it: a ring holds the window plus the
        // most positions one step writes, so a block may span at most window + 1 positions
        this.block = Math.max(1, Math.min(BLOCK_TOKENS, config.slidingWindow()));
        this.blockBytes = block * config.kvBytesPerToken();
        this.maxBlocks = (int) Math.min(Integer.MAX_VALUE, budgetBytes / blockBytes);
    }

    int blockTokens() {
        return block;
    }

    /** Bytes of one block: {@link #blockTokens()} positions of every KV-owning layer's keys and values. */
    long blockBytes() {
        return blockBytes;
    }

    /** Bytes allocated for blocks so far (kept or free for reuse). */
    long bytes() {
        return slots.size() * blockBytes;
    }

    private int floor(int positions) {
        return positions / block * block;
    }

    private int ceil(int positions) {
        return floor(positions + block - 1);
    }

    /**
     * What the cache holds of a prompt: the whole blocks up to {@code node}, then the first positions of {@code
     * partial}'s block (null when none), {@code positions} in all.
     */
    private record Match(Node node, Node partial, int positions) {
    }

    /**
     * The longest prefix of {@code tokens} the cache holds, at most {@code limit} positions: whole blocks, then the
     * child block whose tokens start with the most of the prompt's next ones. A child's first positions are what
     * this prompt computes there, so a prompt that leaves a cached one inside a block (a shared system prompt of
     * any length) still copies every position before it.
     */
    private Match match(int[] tokens, int limit) {
        Node node = root;
        int end = floor(limit);
        for (int p = 0; p < end; p += block) {
            Node child = node.children.get(Key.of(tokens, p, p + block));
            if (child == null) {
                break;
            }
            node = child;
        }
        int from = node.depth * block;
        int room = Math.min(block, limit - from);
        Node partial = null;
        int most = 0;
        for (Node child : node.children.values()) {
            int common = Arrays.mismatch(child.key.tokens(), 0, room, tokens, from, from + room);
            common = common < 0 ? room : common;
            if (common > most) {
                most = common;
                partial = child;
            }
        }
        return new Match(node, partial, from + most);
    }

    /**
     * Copies the longest cached prefix {@code job} may use into its first cache and sets where it keeps its blocks
     * from. Returns the positions copied.
     */
    int serve(Job<?> job) {
        Match m = match(job.prefixTokens, job.prefixServable);
        int end = m.node().depth * block;
        KVCache cache = job.caches.getFirst();
        if (m.partial() != null) {
            cache.load(slots.get(m.partial().slot), end, block, m.positions(), m.positions());
            touch(m.partial());
        }
        for (Node n = m.node(); n != root; n = n.parent) {
            cache.load(slots.get(n.slot), (n.depth - 1) * block, block, n.depth * block, m.positions());
        }
        touch(m.node());
        job.prefixTail = m.node();
        job.prefixKept = end;
        return m.positions();
    }

    /**
     * Keeps the blocks {@code job} finished writing in the step that just ran. It stops keeping (for good) when its
     * chain was evicted meanwhile or no block can be freed for it.
     */
    void keep(Job<?> job) {
        int end = floor(Math.min(job.prefixWritten(), job.prefixStorable));
        KVCache cache = job.caches.getFirst();
        while (job.prefixTail != null && job.prefixKept < end) {
            Node tail = job.prefixTail;
            if (tail.slot < 0 && tail != root) {
                job.prefixTail = null;
                return;
            }
            int start = job.prefixKept;
            Key key = Key.of(job.prefixTokens, start, start + block);
            Node next = tail.children.get(key);
            if (next == null) {
                int slot = freeSlot(tail);
                if (slot < 0) {
                    job.prefixTail = null;
                    return;
                }
                next = new Node(tail, key, slot);
                cache.save(start, start + block, slots.get(slot));
                tail.children.put(key, next);
            }
            touch(next);
            job.prefixTail = next;
            job.prefixKept = start + block;
        }
    }

    /** A free slot, allocated or taken from the least recently used leaf; -1 when that leaf is {@code tail}. */
    private int freeSlot(Node tail) {
        if (!freeSlots.isEmpty()) {
            return freeSlots.pop();
        }
        if (slots.size() < maxBlocks) {
            slots.add(arena.allocate(blockBytes, 64));
            return slots.size() - 1;
        }
        if (lru.isEmpty() || lru.getFirst() == tail) {
            return -1;
        }
        Node victim = lru.removeFirst();
        victim.parent.children.remove(victim.key);
        int slot = victim.slot;
        victim.slot = -1;
        return slot;
    }

    /** Makes {@code node} and its ancestors the most recently used, each more recent than the one below it. */
    private void touch(Node node) {
        for (Node n = node; n != root; n = n.parent) {
            lru.addLast(n);
        }
    }

    /**
     * The live job that is computing blocks {@code waiting} could copy beyond those already cached, or null. The
     * waiting job should then wait (not start) until that job has kept them, rather than compute them again: that
     * is, the block where their prompts part, whose first positions it copies too. It waits only for a block or
     * more, not for the few tokens that every chat shares (the template's head). The comparison stops at the first
     * differing token, so unrelated prompts cost little however long.
     */
    Job<?> source(Job<?> waiting, List<Job<?>> live) {
        Job<?> s = waiting.prefixSource;
        if (s != null && !s.done() && s.prefixTail != null && s.prefixKept < ceil(waiting.prefixWanted)) {
            return s;
        }
        int servable = waiting.prefixServable;
        int best = match(waiting.prefixTokens, servable).positions();
        Job<?> source = null;
        for (Job<?> other : live) {
            if (other.done() || other.prefixTail == null) {
                continue;
            }
            int limit = Math.min(servable, floor(other.prefixStorable));
            if (limit < best + block) {
                continue;
            }
            int common = Arrays.mismatch(waiting.prefixTokens, 0, limit, other.prefixTokens, 0, limit);
            common = common < 0 ? limit : common;
            if (common >= best + block && ceil(common) > other.prefixKept) {
                best = common;
                source = other;
            }
        }
        waiting.prefixSource = source;
        waiting.prefixWanted = best;
        return source;
    }

    @Override
    public void close() {
        arena.close();
        slots.clear();
    }
}
