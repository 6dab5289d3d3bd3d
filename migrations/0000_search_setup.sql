-- Hand-written: drizzle-kit cannot express extensions or text search configurations.
-- 'nl' = Postgres' Dutch stemmer with accents removed first, so "coordinatie"
-- finds "Coördinatie" and "vrijwilliger" finds "vrijwilligers". pg_trgm serves
-- partial words inside Dutch compounds. PGlite ships all three as contrib.
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION nl (COPY = dutch);--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION nl ALTER MAPPING FOR hword, hword_part, word WITH unaccent, dutch_stem;
