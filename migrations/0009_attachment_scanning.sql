ALTER TABLE "attachments" ADD COLUMN "scan_status" text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "scanned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "attachments" ADD COLUMN "preview_key" text;--> statement-breakpoint
CREATE INDEX "attachments_scan_idx" ON "attachments" USING btree ("scan_status");