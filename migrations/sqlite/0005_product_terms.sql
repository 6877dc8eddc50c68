-- The storefront's search index: every character bigram of a listed product's name and summary
-- (lower-cased). A search intersects the bigrams of its words, then checks the text itself, so
-- it reads a few hundred rows instead of scanning every product; two-character Chinese words
-- are one bigram.
CREATE TABLE product_terms (
    term       TEXT NOT NULL,
    product_id TEXT NOT NULL,
    PRIMARY KEY (term, product_id)
);
CREATE INDEX product_terms_product ON product_terms(product_id);
