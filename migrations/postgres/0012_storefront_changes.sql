-- The storefront index applies changes in place (workflows::storefront_index): every change a
-- listing shows is now also recorded with the generation it made, naming the product, or the
-- provider all of whose products changed (a suspension, a new company name). Pruned hourly.
-- The generation's row lock, taken by the UPDATE, orders the changes in commit order.
CREATE TABLE storefront_changes (
    generation BIGINT PRIMARY KEY,
    product_id TEXT,
    account_id TEXT
);

CREATE OR REPLACE FUNCTION storefront_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g BIGINT;
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1 RETURNING generation INTO g;
    IF TG_TABLE_NAME = 'products' THEN
        INSERT INTO storefront_changes (generation, product_id)
            VALUES (g, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    ELSE
        INSERT INTO storefront_changes (generation, account_id)
            VALUES (g, CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION storefront_bump_for_provider() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g BIGINT;
BEGIN
    IF EXISTS (SELECT 1 FROM products WHERE account_id = NEW.account_id AND listed = 1) THEN
        UPDATE storefront_state SET generation = generation + 1 WHERE id = 1 RETURNING generation INTO g;
        INSERT INTO storefront_changes (generation, account_id) VALUES (g, NEW.account_id);
    END IF;
    RETURN NULL;
END;
$$;
