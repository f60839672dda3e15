package dev.gemmaspark.engine.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gemmaspark.engine.FinishReason;
import dev.gemmaspark.engine.GemmaModel;
import dev.gemmaspark.engine.GenerationRequest;
import dev.gemmaspark.engine.GenerationResult;
import dev.gemmaspark.engine.sampling.SamplingParams;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code generate}: completes one prompt, chat-templated unless {@code --raw}; control-token text in the prompt
 * stays text unless {@code --parse-special}. With {@code --mmproj} and {@code --image}s, the images go where the
 * prompt says {@code <image>}, in order, or before it. The text streams to stdout as it is generated; {@code
 * --json} prints one object at the end instead.
 */
final class GenerateCommand implements Command {
    private static final Option PROMPT = Option.value("--prompt", "T", "the prompt (required)");
    private static final Option RAW = Option.flag("--raw",
            "use the prompt as it is (BOS added), not as a user turn of the chat template");
    static final Option PARSE_SPECIAL = Option.flag("--parse-special",
            "read control-token text in the prompt (<start_of_turn>, <end_of_turn>, <eos>, ...) as control tokens, "
                    + "for a prompt that writes its own template (default: it stays plain text)");
    private static final Option JSON = Option.flag("--json",
            "print {\"prompt_tokens\":[...],\"tokens\":[...],\"text\":\"...\",\"finish_reason\":\"...\"}");

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "generate text for a prompt";
    }

    @Override
    public String synopsis() {
        return "--model M.gguf --prompt T [--raw] [--parse-special] [--mmproj P.gguf --image F ...] [--json]"
                + " [sampling options]";
    }

    @Override
    public List<Option> options() {
        List<Option> all = new ArrayList<>(ModelOptions.LOAD);
        all.addAll(List.of(PROMPT, RAW, PARSE_SPECIAL, ModelOptions.MMPROJ, ModelOptions.IMAGE, JSON));
        all.addAll(SamplingOptions.ALL);
        return all;
    }

    @Override
    public void run(Arguments args, PrintStream out, PrintStream err) throws IOException {
        String prompt = args.required(PROMPT.name());
        UsageException.require(!prompt.isEmpty(), PROMPT.name(), "the prompt is empty");
        SamplingParams params = SamplingOptions.parse(args);
        GenerationRequest request = (args.has(RAW.name())
                ? GenerationRequest.raw(prompt, params) : GenerationRequest.chat(prompt, params))
                .withParseSpecial(args.has(PARSE_SPECIAL.name())).withImages(ModelOptions.images(args));
        boolean json = args.has(JSON.name());
        try (GemmaModel model = ModelOptions.load(args, err)) {
            long start = System.nanoTime();
            // Each token's text reaches the listener final (stop strings cut, end-of-generation tokens empty):
            // together the pieces are the result's text.
            GenerationResult result = model.generate(request, json ? null : (token, text) -> {
                out.print(text);
                out.flush();
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            if (result.finishReason() == FinishReason.ERROR) {
                throw new IllegalStateException(result.error());
            }
            if (json) {
                ObjectNode o = Main.JSON.createObjectNode();
                o.putPOJO("prompt_tokens", result.promptTokens());
                o.putPOJO("tokens", result.tokens());
                o.put("text", result.text());
                o.put("finish_reason", result.finishReason().label());
                out.println(Main.JSON.writeValueAsString(o));
            } else {
                out.println();
            }
            out.flush(); // the result before the timings, where stdout and stderr share a terminal
            if (args.has(Main.VERBOSE.name())) {
                err.printf("prompt %d tokens, generated %d tokens (%s) in %.2f s: %.1f tokens/s%n",
                        result.promptTokenCount(), result.outputTokenCount(), result.finishReason().label(), seconds,
                        result.outputTokenCount() / seconds);
            }
        }
    }

}
