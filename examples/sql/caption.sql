-- Caption images in Spark SQL; run with spark-sql, the Gemma extension, a Gemma 3n GGUF and its vision projector
-- (the mmproj GGUF published beside it):
--   spark-sql --jars gemma-spark-connector-<v>.jar \
--     --conf spark.sql.extensions=dev.gemmaspark.connector.GemmaSparkExtensions \
--     --conf spark.plugins=dev.gemmaspark.connector.GemmaPlugin \
--     --conf spark.gemma.model=/models/gemma-3n-E4B-it-Q4_K_M.gguf \
--     --conf spark.gemma.mmproj=/models/mmproj-gemma-3n-E4B-it.gguf -f examples/sql/caption.sql

-- The gemma data source: one row per file, captioned in the readers.
CREATE OR REPLACE TEMPORARY VIEW captions
USING gemma OPTIONS (path 'examples/data/images/*.png', task 'caption', maxWords '20');

SELECT path, text, error FROM captions;

-- Spark's own binaryFile source: a question about each image, with the full record.
CREATE OR REPLACE TEMPORARY VIEW image_files
USING binaryFile OPTIONS (path 'examples/data/images', pathGlobFilter '*.png');

SELECT path, r.text, r.prompt_tokens, r.output_tokens, r.error
FROM (SELECT path, gemma_generate_result('What colours does <image> have?', content) AS r FROM image_files);

-- Spark's own image source: its struct (BGR bytes) works as well as the file's bytes.
CREATE OR REPLACE TEMPORARY VIEW pictures USING image OPTIONS (path 'examples/data/images/*.png');

SELECT image.origin, gemma_caption(image, 10) AS caption FROM pictures;
