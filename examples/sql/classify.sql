-- Classify documents into topics by the likelihood of each label (no free generation), and compare with
-- the labels the sample data has.
CREATE OR REPLACE TEMPORARY VIEW docs USING json OPTIONS (path 'examples/data/docs.jsonl');

SELECT id, label, gemma_classify(body, array('sports', 'business', 'science', 'technology')) AS predicted
FROM docs
WHERE lang = 'en';

-- Only some rows need the model: put the condition inside the argument (a null input is skipped, with an
-- error message), not around the call (CASE WHEN ... THEN gemma_classify(...) still sends every row).
SELECT id, gemma_classify(CASE WHEN label IS NULL THEN body END, array('sports', 'business', 'science', 'technology'))
FROM docs;
