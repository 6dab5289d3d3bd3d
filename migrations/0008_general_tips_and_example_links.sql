ALTER TABLE "contributions" ALTER COLUMN "section_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "examples" ADD COLUMN "handbook_slug" text;--> statement-breakpoint
-- Hand-written (drizzle-kit makes DDL only): link the four networks of chapter 5 that an already imported database holds; new imports take the link from content/voorbeelden front matter.
UPDATE "examples" SET "handbook_slug" = CASE "slug"
  WHEN 'mvz-010-rotterdam' THEN 'mvz-010-rotterdam'
  WHEN 'netwerk-vrijwilligerszorg-enkhuizen' THEN 'netwerk-vrijwilligerszorg-enkhuizen-e-o'
  WHEN 'net-werk-vrijwilligershulp-zuid-kennemerland' THEN 'stichting-net-werk-vrijwilligershulp-zuid-kennemerland-haarlem'
  WHEN 'streekzorg-westelijke-mijnstreek' THEN 'streekzorg-westelijke-mijnstreek'
END WHERE "slug" IN ('mvz-010-rotterdam', 'netwerk-vrijwilligerszorg-enkhuizen', 'net-werk-vrijwilligershulp-zuid-kennemerland', 'streekzorg-westelijke-mijnstreek');
