-- Bulk loads (`generate`, `store copy`) build each dialog's free-text vector in the database
-- from staged texts: tsvectors concatenated per dialog, as the `||` of the single-row path.
create aggregate dp_tsvector_agg (tsvector) (sfunc = tsvector_concat, stype = tsvector, initcond = '');
