-- The chain's head follows every appended event, so an append is one read and one insert.
CREATE TRIGGER audit_events_move_head AFTER INSERT ON audit_events
BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; END;
