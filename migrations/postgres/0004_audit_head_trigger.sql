-- The chain's head follows every appended event, so an append is one read and one insert.
CREATE FUNCTION audit_head_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_events_move_head AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_head_follow();
