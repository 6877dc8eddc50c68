-- The storefront index applies changes in place (workflows::storefront_index): every change a
-- listing shows is now also recorded with the generation it made, naming the product, or the
-- provider all of whose products changed (a suspension, a new company name). Pruned hourly.
CREATE TABLE storefront_changes (
    generation INTEGER PRIMARY KEY,
    product_id TEXT,
    account_id TEXT
);

DROP TRIGGER products_storefront_insert;
DROP TRIGGER products_storefront_update;
DROP TRIGGER products_storefront_delete;
DROP TRIGGER suspensions_storefront_insert;
DROP TRIGGER suspensions_storefront_delete;
DROP TRIGGER enterprise_storefront_name;

CREATE TRIGGER products_storefront_insert AFTER INSERT ON products WHEN NEW.listed = 1
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    INSERT INTO storefront_changes (generation, product_id)
        SELECT generation, NEW.id FROM storefront_state WHERE id = 1;
END;

CREATE TRIGGER products_storefront_update AFTER UPDATE ON products
WHEN OLD.listed IS NOT NEW.listed OR OLD.listed_at IS NOT NEW.listed_at
  OR OLD.live_revision_id IS NOT NEW.live_revision_id OR OLD.name IS NOT NEW.name
  OR OLD.summary IS NOT NEW.summary OR OLD.category IS NOT NEW.category
  OR OLD.price_from_fen IS NOT NEW.price_from_fen OR OLD.account_id IS NOT NEW.account_id
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    INSERT INTO storefront_changes (generation, product_id)
        SELECT generation, NEW.id FROM storefront_state WHERE id = 1;
END;

CREATE TRIGGER products_storefront_delete AFTER DELETE ON products WHEN OLD.listed = 1
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    INSERT INTO storefront_changes (generation, product_id)
        SELECT generation, OLD.id FROM storefront_state WHERE id = 1;
END;

CREATE TRIGGER suspensions_storefront_insert AFTER INSERT ON provider_suspensions
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    INSERT INTO storefront_changes (generation, account_id)
        SELECT generation, NEW.account_id FROM storefront_state WHERE id = 1;
END;

CREATE TRIGGER suspensions_storefront_delete AFTER DELETE ON provider_suspensions
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    INSERT INTO storefront_changes (generation, account_id)
        SELECT generation, OLD.account_id FROM storefront_state WHERE id = 1;
END;

CREATE TRIGGER enterprise_storefront_name AFTER UPDATE ON enterprise_verifications
WHEN OLD.company_name IS NOT NEW.company_name
  AND EXISTS (SELECT 1 FROM products WHERE account_id = NEW.account_id AND listed = 1)
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    INSERT INTO storefront_changes (generation, account_id)
        SELECT generation, NEW.account_id FROM storefront_state WHERE id = 1;
END;
