CREATE TABLE "document_contributors" (
	"document" text NOT NULL,
	"user_id" integer NOT NULL,
	"last_edit_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "document_states" (
	"document" text PRIMARY KEY NOT NULL,
	"state" "bytea" NOT NULL,
	"through_update_id" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "document_updates" (
	"id" serial PRIMARY KEY NOT NULL,
	"document" text NOT NULL,
	"update" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "revisions" ADD COLUMN "authors" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "revisions" ADD COLUMN "created_by" integer;--> statement-breakpoint
ALTER TABLE "document_contributors" ADD CONSTRAINT "document_contributors_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "document_contributors_unique" ON "document_contributors" USING btree ("document","user_id");--> statement-breakpoint
CREATE INDEX "document_updates_document_idx" ON "document_updates" USING btree ("document","id");