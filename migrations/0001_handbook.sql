CREATE TABLE "examples" (
	"id" serial PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"place" text DEFAULT '' NOT NULL,
	"region" text DEFAULT '' NOT NULL,
	"municipalities" text[] DEFAULT '{}' NOT NULL,
	"founded" text DEFAULT '' NOT NULL,
	"members" text DEFAULT '' NOT NULL,
	"member_organisations" text[] DEFAULT '{}' NOT NULL,
	"website" text DEFAULT '' NOT NULL,
	"quote" text DEFAULT '' NOT NULL,
	"quote_by" text DEFAULT '' NOT NULL,
	"themes" text[] DEFAULT '{}' NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"source" text DEFAULT '' NOT NULL,
	"story" jsonb NOT NULL,
	"story_html" text NOT NULL,
	"story_text" text NOT NULL,
	"status" text DEFAULT 'published' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('nl'::regconfig, name || ' ' || place), 'A') || setweight(to_tsvector('nl'::regconfig, summary), 'B') || setweight(to_tsvector('nl'::regconfig, story_text), 'C')) STORED
);
--> statement-breakpoint
CREATE TABLE "revisions" (
	"id" serial PRIMARY KEY NOT NULL,
	"section_id" integer NOT NULL,
	"title" text NOT NULL,
	"document" jsonb NOT NULL,
	"html" text NOT NULL,
	"plain_text" text NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search_vector" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('nl'::regconfig, title), 'A') || setweight(to_tsvector('nl'::regconfig, plain_text), 'B')) STORED
);
--> statement-breakpoint
CREATE TABLE "sections" (
	"id" serial PRIMARY KEY NOT NULL,
	"slug" text NOT NULL,
	"kind" text DEFAULT 'section' NOT NULL,
	"number" text DEFAULT '' NOT NULL,
	"title" text NOT NULL,
	"parent_id" integer,
	"position" integer NOT NULL,
	"current_revision_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "revisions" ADD CONSTRAINT "revisions_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sections" ADD CONSTRAINT "sections_parent_id_sections_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."sections"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "examples_slug_unique" ON "examples" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "examples_search_idx" ON "examples" USING gin ("search_vector");--> statement-breakpoint
CREATE INDEX "examples_themes_idx" ON "examples" USING gin ("themes");--> statement-breakpoint
CREATE INDEX "revisions_section_idx" ON "revisions" USING btree ("section_id","created_at");--> statement-breakpoint
CREATE INDEX "revisions_search_idx" ON "revisions" USING gin ("search_vector");--> statement-breakpoint
CREATE UNIQUE INDEX "sections_slug_unique" ON "sections" USING btree ("slug");