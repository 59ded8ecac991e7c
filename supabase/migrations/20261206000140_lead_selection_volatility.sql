-- The selection's checking helpers raise 22023: a function that raises must not be
-- immutable (the planner, and plpgsql_check, fold an immutable call with constant
-- arguments ahead of time, which raised while planning a branch never taken).
alter function private.selection_error(text, text) volatile;
alter function private.selection_value(jsonb, text, text) stable;
alter function private.selection_texts(jsonb, text) stable;
