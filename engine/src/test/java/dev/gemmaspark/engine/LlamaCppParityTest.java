package dev.gemmaspark.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine against llama.cpp's outputs for the golden random-weight models (golden README sections
 * 4-6): logits of every position with the reference tokens fed in (teacher forcing), and the greedy
 * continuation.
 */
class LlamaCppParityTest {
    private static final String[] F32 = {"gemma3n-tiny6-tinyvocab-f32", "gemma3n-tiny25-tinyvocab-f32"};
    private static final String[] QUANTIZED = {"gemma3n-tiny6q-tinyvocab-Q8_0", "gemma3n-tiny6q-tinyvocab-Q4_0",
        "gemma3n-tiny6q-tinyvocab-Q4_K_M"};
    private static final String[] PROMPTS = {"p0_short", "p1_story", "p2_chat", "p3_long", "p4_one"};
    private static final Map<String, GemmaModel> MODELS = new ConcurrentHashMap<>();

    static GemmaModel model(String name, boolean exactGelu) {
        return MODELS.computeIfAbsent(name + "/" + exactGelu, k -> GemmaModel.load(Golden.model(name),
                EngineOptions.defaults().withThreads(2).withContextLength(256).withExactGelu(exactGelu)));
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

    private static Stream<Arguments> cases(String[] models) {
        List<Arguments> out = new ArrayList<>();
        for (String m : models) {
            for (String p : PROMPTS) {
                out.add(Arguments.of(m, p));
            }
        }
        return out.stream();
    }

    /** The reference of one case: its JSON, and the logits of prompt + greedy[:-1] (n_prompt + 15 rows). */
    private record Reference(int[] prompt, int[] greedy, float[] margins, float[] teacherLogits) {
        static Reference load(String model, String pid, String variant) {
            String base = "refs/" + model + "/" + (variant == null ? pid : "variants/" + pid + "." + variant);
            JsonNode json = Golden.json(base + ".json");
            float[] prompt = Golden.npy(base + ".prompt_logits.npy");
            float[] gen = Golden.npy(base + ".gen_logits.npy");
            int vocab = json.get("n_vocab").asInt();
            float[] teacher = Arrays.copyOf(prompt, prompt.length + gen.length - vocab);
            System.arraycopy(gen, vocab, teacher, prompt.length, gen.length - vocab);
            JsonNode m = json.get("top1_top2_margin");
            float[] margins = new float[m.size()];
            for (int i = 0; i < margins.length; i++) {
                margins[i] = (float) m.get(i).asDouble();
            }
            return new Reference(Golden.ints(json.get("prompt_tokens")), Golden.ints(json.get("generated_tokens")),
                    margins, teacher);
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
        float[] ours = model(model, true).logits(ref.teacherTokens());
        float diff = Golden.maxAbsDiff(ours, 0, ref.teacherLogits(), 0, ours.length);
        assertTrue(diff < 1e-3f, "max |logit - llama.cpp exact-GELU| = " + diff);
    }

    /**
     * With llama.cpp's F16 GELU table emulated, the default reference is matched to about 2e-3 (a
     * summation-order difference of 1e-7 can move a GELU input across an F16 rounding boundary, a step of
     * about 5e-4 relative); without the table the difference is up to 9e-3 (golden README section 5).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("f32Cases")
    void f32LogitsMatchDefaultReferenceWithGeluTable(String model, String pid) {
        Reference ref = Reference.load(model, pid, null);
        float[] ours = model(model, false).logits(ref.teacherTokens());
        float diff = Golden.maxAbsDiff(ours, 0, ref.teacherLogits(), 0, ours.length);
        assertTrue(diff < 3e-3f, "max |logit - llama.cpp (F16 GELU table)| = " + diff);
    }

    /**
     * Greedy tokens equal llama.cpp's. Where the reference's top-2 margin at a step is below 1e-3, the
     * two implementations may legitimately pick differently there, so the comparison stops at that step.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("f32Cases")
    void f32GreedyContinuationMatches(String model, String pid) {
        Reference ref = Reference.load(model, pid, null);
        GenerationResult r = model(model, false).generate(GenerationRequest.tokens(ref.prompt(),
                SamplingParams.GREEDY.withMaxTokens(ref.greedy().length)));
        int comparable = ref.greedy().length;
        for (int i = 0; i < ref.margins().length; i++) {
            if (ref.margins()[i] < 1e-3f) {
                comparable = i;
                break;
            }
        }
        assertArrayEquals(Arrays.copyOf(ref.greedy(), comparable), Arrays.copyOf(r.tokens(), comparable),
                "greedy tokens (first " + comparable + " compared)");
        assertEquals(FinishReason.LENGTH, r.finishReason());
    }

    /**
     * Quantized models, way (b) of the issue: activations are quantized as llama.cpp does (Q8_0 / Q8_K).
     * Generated tokens then go through integer dot products whose block sums are exactly llama.cpp's; prompt
     * tokens (all the rows here, which are teacher-forced) through f32 products of the dequantized weights
     * with those same rounded activations. Many rows match llama.cpp to the last printed digit, but a 1e-7
     * difference in the f32 arithmetic can move one activation across a Q8 or F16 rounding step, after which
     * a row differs by a few hundredths: up to 0.27 here. llama.cpp disagrees with itself by up to 0.20
     * between its one-token and batched paths (golden README section 5), so each case holds the logits to
     * 0.3 and the argmax to llama.cpp's wherever its top-2 margin exceeds 0.1; between 0.05 and 0.1 a flip
     * can tip the choice, and {@link #quantizedArgmaxAgreesAtMarginsAbove005} bounds how often over all cases.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("quantizedCases")
    void quantizedTeacherForcedLogitsAgreeWithLlamaCpp(String model, String pid) {
        Agreement a = agreement(model, pid);
        assertTrue(a.checked() > 0);
        assertTrue(a.clearDisagreements().isEmpty(), "argmax differs from llama.cpp at margins above 0.1: "
                + a.clearDisagreements());
        assertTrue(a.maxDiff() < 0.3f, "max |logit - llama.cpp| = " + a.maxDiff());
    }

    /**
     * Over all quantized cases, the argmax equals llama.cpp's at all but 1% of the positions where its
     * top-2 margin exceeds 0.05 (the criterion; measured: 3 of 726 positions, at margins of 0.062 to 0.085).
     */
    @org.junit.jupiter.api.Test
    void quantizedArgmaxAgreesAtMarginsAbove005() {
        int checked = 0;
        List<String> disagreements = new ArrayList<>();
        for (Arguments c : quantizedCases().toList()) {
            String model = (String) c.get()[0];
            String pid = (String) c.get()[1];
            Agreement a = agreement(model, pid);
            checked += a.checked();
            a.disagreements().forEach(d -> disagreements.add(model + " " + pid + " " + d));
        }
        assertTrue(disagreements.size() <= checked / 100, disagreements.size() + " of " + checked
                + " positions: " + disagreements);
    }

    /** How our argmax compares with llama.cpp's, teacher-forced, at positions with a top-2 margin over 0.05. */
    private record Agreement(int checked, List<String> disagreements, List<String> clearDisagreements,
                             float maxDiff) {
    }

    private static Agreement agreement(String model, String pid) {
        Reference ref = Reference.load(model, pid, null);
        float[] ours = model(model, false).logits(ref.teacherTokens());
        int vocab = ours.length / ref.teacherTokens().length;
        int checked = 0;
        List<String> disagreements = new ArrayList<>();
        List<String> clear = new ArrayList<>();
        for (int row = 0; row < ref.teacherTokens().length; row++) {
            int off = row * vocab;
            float[] top = top2(ref.teacherLogits(), off, vocab);
            float margin = top[2] - top[3];
            if (margin > 0.05f) {
                checked++;
                int ourBest = (int) top2(ours, off, vocab)[0];
                if (ourBest != (int) top[0]) {
                    String d = "position " + row + " (margin " + margin + ")";
                    disagreements.add(d);
                    if (margin > 0.1f) {
                        clear.add(d);
                    }
                }
            }
        }
        return new Agreement(checked, disagreements, clear,
                Golden.maxAbsDiff(ours, 0, ref.teacherLogits(), 0, ours.length));
    }

    /** {best id, second id, best logit, second logit}; ties go to the lower id. */
    private static float[] top2(float[] x, int off, int n) {
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
