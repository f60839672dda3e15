-- Perplexity of each document under the model: a quick fluency / domain-fit score.
CREATE OR REPLACE TEMPORARY VIEW docs USING json OPTIONS (path 'examples/data/docs.jsonl');

SELECT id, lang, s.log_likelihood, s.tokens, s.perplexity
FROM (SELECT id, lang, gemma_score(body) AS s FROM docs)
ORDER BY s.perplexity;
