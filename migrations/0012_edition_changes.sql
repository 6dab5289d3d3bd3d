CREATE TABLE "edition_changes" (
	"edition_id" integer PRIMARY KEY NOT NULL,
	"sections" jsonb NOT NULL,
	"credits" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "edition_sections" ADD COLUMN "number" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "edition_sections" ADD COLUMN "parent_id" integer;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "submitter_name" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "show_name" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "edition_changes" ADD CONSTRAINT "edition_changes_edition_id_editions_id_fk" FOREIGN KEY ("edition_id") REFERENCES "public"."editions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- Hand-written: editions frozen before this kept no outline; sections have never moved, so today's is theirs.
UPDATE "edition_sections" SET "number" = "sections"."number", "parent_id" = "sections"."parent_id" FROM "sections" WHERE "sections"."id" = "edition_sections"."section_id";
