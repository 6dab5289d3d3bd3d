-- Hand-written: drizzle-kit cannot express triggers. Every change a reader can see
-- (sections, published revisions, examples and their files, moderated contributions,
-- editions, names of members) bumps one counter and tells every process through
-- NOTIFY, so cached public pages never outlive what they show. Statement-level
-- triggers: one bump per statement, whatever the number of rows.
CREATE TABLE content_version (
  id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  version bigint NOT NULL
);--> statement-breakpoint
INSERT INTO content_version (id, version) VALUES (1, 1);--> statement-breakpoint
CREATE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  next_version bigint;
BEGIN
  UPDATE content_version SET version = version + 1 WHERE id = 1 RETURNING version INTO next_version;
  PERFORM pg_notify('content_version', next_version::text);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER sections_content_version AFTER INSERT OR UPDATE OR DELETE ON sections FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();--> statement-breakpoint
CREATE TRIGGER revisions_content_version AFTER INSERT OR UPDATE OR DELETE ON revisions FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();--> statement-breakpoint
CREATE TRIGGER examples_content_version AFTER INSERT OR UPDATE OR DELETE ON examples FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();--> statement-breakpoint
-- Downloads too: an example's page shows how often each file was fetched.
CREATE TRIGGER attachments_content_version AFTER INSERT OR UPDATE OR DELETE ON attachments FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();--> statement-breakpoint
CREATE TRIGGER contributions_content_version AFTER INSERT OR UPDATE OR DELETE ON contributions FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();--> statement-breakpoint
CREATE TRIGGER editions_content_version AFTER INSERT OR UPDATE OR DELETE ON editions FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();--> statement-breakpoint
CREATE TRIGGER users_content_version AFTER INSERT OR DELETE OR UPDATE OF name, role, disabled_at ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
