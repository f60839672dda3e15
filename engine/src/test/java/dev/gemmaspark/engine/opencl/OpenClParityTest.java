package dev.gemmaspark.engine.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.EngineOptions;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.Golden;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The OpenCL backend against llama.cpp's outputs for the golden random-weight models, as {@code LlamaCppParityTest}
 * holds the CPU backend to them, and against the CPU backend itself: teacher-forced logits of every position
 * (prompt plus llama.cpp's greedy continuation) and greedy continuations.
 */
class OpenClParityTest {
    static final String[] F32 = {"gemma3n-tiny6-tinyvocab-f32", "gemma3n-tiny25-tinyvocab-f32"};
    static final String[] QUANTIZED = {"gemma3n-tiny6q-tinyvocab-Q8_0", "gemma3n-tiny6q-tinyvocab-Q4_0",
        "gemma3n-tiny6q-tinyvocab-Q4_K_M"};
    private static final String[] PROMPTS = {"p0_short", "p1_story", "p2_chat", "p3_long", "p4_one"};
    private static final Map<String, GemmaModel> MODELS = new ConcurrentHashMap<>();

    @BeforeAll
    static void platform() {
        OpenClPlatform.assume();
    }

    static GemmaModel model(String name, String device, boolean exactGelu) {
        return MODELS.computeIfAbsent(name + "/" + device + "/" + exactGelu, k -> GemmaModel.load(Golden.model(name),
                EngineOptions.defaults().withThreads(2).withContextLength(256).withMaxSequences(4)
                        .withExactGelu(exactGelu).withDevice(device)));
    }

    @AfterAll
    static void close() {
        MODELS.values().forEach(GemmaModel::close);
        MODELS.clear();
    }

    static Stream<Arguments> f32Cases() {
        return cases(F32);
    }

    static Stream<Arguments> quantizedCases() {
        return cases(QUANTIZED);
    }

    static Stream<Arguments> allCases() {
        return Stream.concat(f32Cases(), quantizedCases());
    }

    private static Stream<Arguments> cases(String[] models) {
        List<Arguments> out = new ArrayList<>();
        for (String m : models) {
            for (String p : PROMPTS) {
                out.add(Arguments.of(m, p));
            }
        }
        return out.stream();
    }

    /** A reference run: prompt, llama.cpp's greedy tokens, and its logits of prompt + greedy[:-1]. */
    record Reference(int[] prompt, int[] greedy, float[] teacherLogits) {
        static Reference load(String model, String pid, String variant) {
            String base = "refs/" + model + "/" + (variant == null ? pid : "variants/" + pid + "." + variant);
            JsonNode json = Golden.json(base + ".json");
            float[] prompt = Golden.npy(base + ".prompt_logits.npy");
            float[] gen = Golden.npy(base + ".gen_logits.npy");
            int vocab = json.get("n_vocab").asInt();
            float[] teacher = Arrays.copyOf(prompt, prompt.length + gen.length - vocab);
            System.arraycopy(gen, vocab, teacher, prompt.length, gen.length - vocab);
            return new Reference(Golden.ints(json.get("prompt_tokens")), Golden.ints(json.get("generated_tokens")),
                    teacher);
        }

        int[] teacherTokens() {
            int[] t = Arrays.copyOf(prompt, prompt.length + greedy.length - 1);
            System.arraycopy(greedy, 0, t, prompt.length, greedy.length - 1);
            return t;
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("f32Cases")
    void f32LogitsMatchExactGeluReference(String model, String pid) {
        Reference ref = Reference.load(model, pid, "exact_gelu");
        float[] ours = model(model, "opencl", true).logits(ref.teacherTokens());
        float diff = Golden.maxAbsDiff(ours, 0, ref.teacherLogits(), 0, ours.length);
        assertTrue(diff < 1e-3f, "max |logit - llama.cpp exact-GELU| = " + diff);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("f32Cases")
    void f32LogitsMatchDefaultReferenceWithGeluTable(String model, String pid) {
        Reference ref = Reference.load(model, pid, null);
        float[] ours = model(model, "opencl", false).logits(ref.teacherTokens());
        float diff = Golden.maxAbsDiff(ours, 0, ref.teacherLogits(), 0, ours.length);
        assertTrue(diff < 3e-3f, "max |logit - llama.cpp (F16 GELU table)| = " + diff);
    }

    /**
     * Way (b) of the engine issue, activations rounded as llama.cpp rounds them. The device adds the same exact
     * integer block sums as the CPU backend in another fixed order; a difference of 1e-7 can move an activation
     * across a Q8 rounding step, after which a row differs by a few hundredths: measured up to 0.33 from the CPU
     * backend and 0.31 from llama.cpp over these cases (the CPU backend is 0.27 from llama.cpp, and llama.cpp is
     * 0.20 from itself between its one-token and batched paths). So the logits are held to 0.4 of both, and the
     * argmax to llama.cpp's wherever its top-2 margin exceeds 0.1 (measured: every one of 674 positions).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("quantizedCases")
    void quantizedLogitsAgreeWithTheCpuBackendAndLlamaCpp(String model, String pid) {
        Reference ref = Reference.load(model, pid, null);
        float[] device = model(model, "opencl", false).logits(ref.teacherTokens());
        float[] cpu = model(model, "cpu", false).logits(ref.teacherTokens());
        float fromCpu = Golden.maxAbsDiff(device, 0, cpu, 0, cpu.length);
        float fromLlama = Golden.maxAbsDiff(device, 0, ref.teacherLogits(), 0, cpu.length);
        assertTrue(fromCpu < 0.4f, "max |device logit - CPU backend| = " + fromCpu);
        assertTrue(fromLlama < 0.4f, "max |device logit - llama.cpp| = " + fromLlama);
        int vocab = cpu.length / ref.teacherTokens().length;
        List<String> off = new ArrayList<>();
        for (int row = 0; row < ref.teacherTokens().length; row++) {
            float[] top = top2(ref.teacherLogits(), row * vocab, vocab);
            if (top[2] - top[3] > 0.1f && (int) top2(device, row * vocab, vocab)[0] != (int) top[0]) {
                off.add("position " + row + " (margin " + (top[2] - top[3]) + ")");
            }
        }
        assertTrue(off.isEmpty(), "argmax differs from llama.cpp at margins above 0.1: " + off);
    }

    /**
     * Greedy continuations equal the CPU backend's. Where the CPU's top-2 margin at a step is below what the two
     * backends' logits may differ by (1e-2 for F32, 0.1 for quantized models, see above), either choice is
     * legitimate: the tokens must agree up to the first difference, and that difference may only come at such a
     * step (measured: 3 of 25 cases diverge, at margins of 0.007, 0.009 and 0.057).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("allCases")
    void greedyTokensEqualTheCpuBackend(String model, String pid) {
        Reference ref = Reference.load(model, pid, null);
        GenerationRequest request = GenerationRequest.tokens(ref.prompt(),
                SamplingParams.GREEDY.withMaxTokens(ref.greedy().length));
        int[] device = model(model, "opencl", false).generate(request).tokens();
        int[] cpu = model(model, "cpu", false).generate(request).tokens();
        int differ = Arrays.mismatch(cpu, device);
        if (differ < 0) {
            return;
        }
        int[] fed = Arrays.copyOf(ref.prompt(), ref.prompt().length + differ);
        System.arraycopy(cpu, 0, fed, ref.prompt().length, differ);
        float[] logits = model(model, "cpu", false).logits(fed);
        int vocab = logits.length / fed.length;
        float[] top = top2(logits, (fed.length - 1) * vocab, vocab);
        float bound = model.contains("f32") ? 1e-2f : 0.1f;
        assertTrue(top[2] - top[3] < bound, "greedy tokens differ from the CPU backend's at step " + differ
                + " where its top-2 margin is " + (top[2] - top[3]) + ": CPU " + Arrays.toString(cpu) + ", device "
                + Arrays.toString(device));
    }

    /** {best id, second id, best logit, second logit}; ties go to the lower id. */
    static float[] top2(float[] x, int off, int n) {
        int best = 0;
        int second = -1;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                second = best;
                best = i;
            } else if (second < 0 || x[off + i] > x[off + second]) {
                second = i;
            }
        }
        return new float[] {best, second, x[off + best], x[off + second]};
    }
}
