-- The storefront is served from memory (workflows::storefront_index); the database stays the
-- source of truth. `storefront_state.generation` counts the changes a listing shows, bumped by
-- the triggers below in the same transaction as the change, so every server sees a change with
-- the next generation it reads and reloads before it answers.
CREATE TABLE storefront_state (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO storefront_state (id, generation) VALUES (1, 1);

-- The storefront's order: when the live revision went live (its approval, the last change of an
-- approved revision), not when a draft of the next revision was last saved (which moved listed
-- products to the top on every edit). Kept while a product is unlisted, so relisting does not
-- lift it.
ALTER TABLE products ADD COLUMN listed_at BIGINT;
UPDATE products SET listed_at = COALESCE(
    (SELECT r.updated_at FROM product_revisions r WHERE r.id = products.live_revision_id),
    updated_at)
WHERE live_revision_id IS NOT NULL;

-- The search index and the storefront's index are replaced by the in-memory one.
DROP TABLE product_terms;
DROP INDEX products_storefront;

CREATE FUNCTION storefront_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER products_storefront_insert AFTER INSERT ON products
    FOR EACH ROW WHEN (NEW.listed = 1) EXECUTE FUNCTION storefront_bump();

CREATE TRIGGER products_storefront_update AFTER UPDATE ON products
    FOR EACH ROW WHEN (OLD.listed IS DISTINCT FROM NEW.listed
        OR OLD.listed_at IS DISTINCT FROM NEW.listed_at
        OR OLD.live_revision_id IS DISTINCT FROM NEW.live_revision_id
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.summary IS DISTINCT FROM NEW.summary
        OR OLD.category IS DISTINCT FROM NEW.category
        OR OLD.price_from_fen IS DISTINCT FROM NEW.price_from_fen
        OR OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION storefront_bump();

CREATE TRIGGER products_storefront_delete AFTER DELETE ON products
    FOR EACH ROW WHEN (OLD.listed = 1) EXECUTE FUNCTION storefront_bump();

CREATE TRIGGER suspensions_storefront_insert AFTER INSERT OR DELETE ON provider_suspensions
    FOR EACH ROW EXECUTE FUNCTION storefront_bump();

-- Listings show the provider's company name. (An approved revision never changes: editing a
-- listed product makes a new revision, and going live changes the product row.)
CREATE FUNCTION storefront_bump_for_provider() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM products WHERE account_id = NEW.account_id AND listed = 1) THEN
        UPDATE storefront_state SET generation = generation + 1 WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER enterprise_storefront_name AFTER UPDATE ON enterprise_verifications
    FOR EACH ROW WHEN (OLD.company_name IS DISTINCT FROM NEW.company_name)
    EXECUTE FUNCTION storefront_bump_for_provider();
