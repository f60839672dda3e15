-- Transcribe recordings in Spark SQL; run with spark-sql, the Gemma extension, a Gemma 3n GGUF with the audio
-- tokens (262400) and the audio weights of the Hugging Face checkpoint:
--   spark-sql --jars gemma-spark-connector-<v>.jar \
--     --conf spark.sql.extensions=dev.gemmaspark.connector.GemmaSparkExtensions \
--     --conf spark.plugins=dev.gemmaspark.connector.GemmaPlugin \
--     --conf spark.gemma.model=/models/gemma-3n-E4B-it-Q4_K_M.gguf \
--     --conf spark.gemma.audioWeights=/models/gemma-3n-E4B-it -f examples/sql/transcribe.sql

-- The gemma data source: one row per file, transcribed in the readers.
CREATE OR REPLACE TEMPORARY VIEW calls
USING gemma OPTIONS (path 'examples/data/audio/*.wav', task 'transcribe');

SELECT path, text, audio_seconds, error FROM calls;

-- Spark's own binaryFile source and gemma_transcribe over its content column, with the full record.
CREATE OR REPLACE TEMPORARY VIEW recordings
USING binaryFile OPTIONS (path 'examples/data/audio', pathGlobFilter '*.wav');

SELECT path, r.text, r.audio_seconds, r.output_tokens, r.finish_reason, r.error
FROM (SELECT path, gemma_transcribe_result(content, map('transcribePrompt', 'Transcribe this call.')) AS r
      FROM recordings);
