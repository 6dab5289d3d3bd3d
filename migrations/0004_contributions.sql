CREATE TABLE "attachments" (
	"id" serial PRIMARY KEY NOT NULL,
	"example_id" integer NOT NULL,
	"storage_key" text NOT NULL,
	"file_name" text NOT NULL,
	"media_type" text NOT NULL,
	"byte_size" integer NOT NULL,
	"downloads" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contributions" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"section_id" integer NOT NULL,
	"body" text NOT NULL,
	"original_text" text,
	"reason" text DEFAULT '' NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"organisation" text DEFAULT '' NOT NULL,
	"show_name" integer DEFAULT 0 NOT NULL,
	"email" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"decision_reason" text DEFAULT '' NOT NULL,
	"decided_by" integer,
	"decided_at" timestamp with time zone,
	"client_hash" text,
	"removal_token_id" text,
	"removal_secret_hash" "bytea",
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('nl'::regconfig, body)) STORED
);
--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "contact" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "submitter_email" text;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "decision_reason" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "client_hash" text;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "removal_token_id" text;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "removal_secret_hash" "bytea";--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "created_by" integer;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_example_id_examples_id_fk" FOREIGN KEY ("example_id") REFERENCES "public"."examples"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contributions" ADD CONSTRAINT "contributions_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contributions" ADD CONSTRAINT "contributions_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contributions" ADD CONSTRAINT "contributions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attachments_example_idx" ON "attachments" USING btree ("example_id");--> statement-breakpoint
CREATE INDEX "contributions_status_idx" ON "contributions" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "contributions_section_idx" ON "contributions" USING btree ("section_id","status");--> statement-breakpoint
CREATE INDEX "contributions_search_idx" ON "contributions" USING gin ("search_vector");