ALTER TABLE "document_updates" ADD COLUMN "write_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "document_updates_write_key" ON "document_updates" USING btree ("write_key");