-- Summarize the English documents of a table; run with spark-sql and the Gemma extension:
--   spark-sql --jars gemma-spark-connector-<v>.jar \
--     --conf spark.sql.extensions=dev.gemmaspark.connector.GemmaSparkExtensions \
--     --conf spark.plugins=dev.gemmaspark.connector.GemmaPlugin \
--     --conf spark.gemma.model=/models/gemma-3n-E4B-it-Q4_K_M.gguf -f examples/sql/summarize.sql
CREATE OR REPLACE TEMPORARY VIEW docs USING json OPTIONS (path 'examples/data/docs.jsonl');

-- The WHERE filter runs before the model: only English rows are summarized, in batches of spark.gemma.batchSize.
SELECT id, gemma_summarize(body, 30) AS summary
FROM docs
WHERE lang = 'en';

-- The full record: token counts, why generation stopped, and an error message for rows that failed.
SELECT id, r.text, r.prompt_tokens, r.output_tokens, r.finish_reason, r.error
FROM (SELECT id, gemma_summarize_result(body, 30, map('maxTokens', '64')) AS r FROM docs WHERE lang = 'en');
