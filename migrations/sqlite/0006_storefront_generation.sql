-- The storefront is served from memory (workflows::storefront_index); the database stays the
-- source of truth. `storefront_state.generation` counts the changes a listing shows, bumped by
-- the triggers below in the same transaction as the change, so every server sees a change with
-- the next generation it reads and reloads before it answers.
CREATE TABLE storefront_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO storefront_state (id, generation) VALUES (1, 1);

-- The storefront's order: when the live revision went live (its approval, the last change of an
-- approved revision), not when a draft of the next revision was last saved (which moved listed
-- products to the top on every edit). Kept while a product is unlisted, so relisting does not
-- lift it.
ALTER TABLE products ADD COLUMN listed_at INTEGER;
UPDATE products SET listed_at = COALESCE(
    (SELECT r.updated_at FROM product_revisions r WHERE r.id = products.live_revision_id),
    updated_at)
WHERE live_revision_id IS NOT NULL;

-- The search index and the storefront's index are replaced by the in-memory one.
DROP TABLE product_terms;
DROP INDEX products_storefront;

CREATE TRIGGER products_storefront_insert AFTER INSERT ON products WHEN NEW.listed = 1
BEGIN UPDATE storefront_state SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER products_storefront_update AFTER UPDATE ON products
WHEN OLD.listed IS NOT NEW.listed OR OLD.listed_at IS NOT NEW.listed_at
  OR OLD.live_revision_id IS NOT NEW.live_revision_id OR OLD.name IS NOT NEW.name
  OR OLD.summary IS NOT NEW.summary OR OLD.category IS NOT NEW.category
  OR OLD.price_from_fen IS NOT NEW.price_from_fen OR OLD.account_id IS NOT NEW.account_id
BEGIN UPDATE storefront_state SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER products_storefront_delete AFTER DELETE ON products WHEN OLD.listed = 1
BEGIN UPDATE storefront_state SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER suspensions_storefront_insert AFTER INSERT ON provider_suspensions
BEGIN UPDATE storefront_state SET generation = generation + 1 WHERE id = 1; END;

CREATE TRIGGER suspensions_storefront_delete AFTER DELETE ON provider_suspensions
BEGIN UPDATE storefront_state SET generation = generation + 1 WHERE id = 1; END;

-- Listings show the provider's company name. (An approved revision never changes: editing a
-- listed product makes a new revision, and going live changes the product row.)
CREATE TRIGGER enterprise_storefront_name AFTER UPDATE ON enterprise_verifications
WHEN OLD.company_name IS NOT NEW.company_name
  AND EXISTS (SELECT 1 FROM products WHERE account_id = NEW.account_id AND listed = 1)
BEGIN UPDATE storefront_state SET generation = generation + 1 WHERE id = 1; END;
