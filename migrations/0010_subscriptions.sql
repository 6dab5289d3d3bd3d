CREATE TABLE "subscriptions" (
	"id" serial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"section_id" integer,
	"link_id" text NOT NULL,
	"confirm_token_id" text,
	"confirm_secret_hash" "bytea",
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"confirmed_at" timestamp with time zone,
	"digest_through" timestamp with time zone,
	"last_digest_at" timestamp with time zone,
	"editions_through" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "list_unsubscribe" text;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_section_id_sections_id_fk" FOREIGN KEY ("section_id") REFERENCES "public"."sections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_address_scope_unique" ON "subscriptions" USING btree (lower("email"),coalesce("section_id", 0));--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_link_unique" ON "subscriptions" USING btree ("link_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_confirm_unique" ON "subscriptions" USING btree ("confirm_token_id");