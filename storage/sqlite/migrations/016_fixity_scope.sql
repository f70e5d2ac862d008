-- A fixity run over one record (a mismatch an export found while streaming) names it; a pass
-- over the whole archive leaves it NULL. A record's last fixity check is the latest run that
-- covered it, so one record's run never stands for another's.
ALTER TABLE fixity_runs ADD COLUMN agreement_id TEXT;
