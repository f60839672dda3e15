-- A folder of text files, one row per file, summarized in the data source's readers.
CREATE OR REPLACE TEMPORARY VIEW reports
USING gemma OPTIONS (path 'examples/data/reports/*.txt', task 'summarize', maxWords '25');

SELECT path, text, output_tokens, error FROM reports;
