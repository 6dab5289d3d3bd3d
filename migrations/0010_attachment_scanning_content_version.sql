-- Hand-written: a file's scan state and preview change what readers see (a download
-- link or a picture appears once the file is scanned clean), so they bump the
-- content version like the other columns of attachments (0006). Downloads still do not.
DROP TRIGGER attachments_content_version ON attachments;--> statement-breakpoint
CREATE TRIGGER attachments_content_version AFTER INSERT OR DELETE OR UPDATE OF example_id, storage_key, file_name, media_type, byte_size, scan_status, preview_key ON attachments FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
