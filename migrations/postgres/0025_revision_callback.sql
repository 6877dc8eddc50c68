-- A SaaS product's callback URL belongs to its revision, like its other fields: a change to a
-- listed product's URL waits for review with the revision, and `products.callback_url` is the URL
-- in force (the approved revision's). Revisions made before this carry the product's URL.
ALTER TABLE product_revisions ADD COLUMN callback_url TEXT;
UPDATE product_revisions SET callback_url =
    (SELECT p.callback_url FROM products p WHERE p.id = product_revisions.product_id)
    WHERE id IN (SELECT live_revision_id FROM products WHERE live_revision_id IS NOT NULL
                 UNION SELECT working_revision_id FROM products WHERE working_revision_id IS NOT NULL);
-- A product never approved has no URL in force.
UPDATE products SET callback_url = NULL WHERE live_revision_id IS NULL;
