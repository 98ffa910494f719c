-- Build history shared by every machine of a team (docs/records-and-cli.md, "PostgreSQL").
-- Applied once, under an advisory lock, by the first process that finds it missing.

CREATE TABLE projects (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL UNIQUE,
  path       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_path_idx ON projects (path);

-- One row per BuildJob; build_number is the job id. `record` holds the whole record.
CREATE TABLE builds (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  build_number      text NOT NULL UNIQUE,
  project_id        bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  status            text NOT NULL,
  current_state     smallint NOT NULL DEFAULT 0 CHECK (current_state BETWEEN 0 AND 100),
  start_time        timestamptz NOT NULL,
  end_time          timestamptz,
  duration_ms       integer,
  input_hash        text,
  cache             text NOT NULL,
  builder           text NOT NULL,
  requested_builder text NOT NULL,
  environment       text NOT NULL,
  exit_code         integer,
  host              text,
  commit_sha        text,
  created_by        text,
  record            jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX builds_project_start_idx ON builds (project_id, start_time DESC);
CREATE INDEX builds_project_finish_idx ON builds (project_id, (coalesce(end_time, start_time)) DESC);
CREATE INDEX builds_start_idx ON builds (start_time DESC);
CREATE INDEX builds_status_start_idx ON builds (status, start_time DESC);
CREATE INDEX builds_input_hash_idx ON builds (input_hash) WHERE input_hash IS NOT NULL;

-- One row per phase a build entered; `state` is the phase's index in the pipeline.
CREATE TABLE build_states (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  build_id      uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  state         smallint NOT NULL,
  phase         text NOT NULL,
  status        text NOT NULL,
  start_time    timestamptz,
  end_time      timestamptz,
  duration_ms   integer,
  error_message text,
  retry_count   integer NOT NULL DEFAULT 0,
  UNIQUE (build_id, state)
);

-- One row per error of a build; open until a later build of the same project succeeds.
CREATE TABLE build_failures (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  build_id         uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  ordinal          integer NOT NULL,
  state            smallint,
  failure_type     text NOT NULL,
  error_message    text NOT NULL,
  error_details    jsonb NOT NULL DEFAULT '{}',
  component        text,
  retry_attempt    integer NOT NULL DEFAULT 0,
  resolved         boolean NOT NULL DEFAULT false,
  resolution_notes text,
  resolved_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (build_id, ordinal)
);
CREATE INDEX build_failures_open_idx ON build_failures (build_id) WHERE NOT resolved;
CREATE INDEX build_failures_type_idx ON build_failures (failure_type);

CREATE TABLE build_artifacts (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  build_id  uuid NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
  path      text NOT NULL,
  size      bigint NOT NULL,
  checksum  text NOT NULL,
  mime_type text,
  uri       text,
  UNIQUE (build_id, path)
);
CREATE INDEX build_artifacts_checksum_idx ON build_artifacts (checksum);

-- A build's log (secrets masked), keyed by job id: it may be written before the build nb.
CREATE TABLE build_logs (
  build_number text PRIMARY KEY,
  package_path text NOT NULL,
  text         text NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Saves a batch of builds (rows mapped from BuildJob records: src/core/records/build-rows.ts)
-- in the caller's transaction; returns how many builds were new. Saving a record again is
-- idempotent, and an older version of a build (a replayed spool entry) never overwrites a
-- newer one: a finished build beats an unfinished one, then the larger share of phases done.
-- Callers sort a batch by project name: the project row is locked first, in that order.
CREATE FUNCTION build_system_save_builds(batch jsonb) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  b       jsonb;
  nb      builds;
  pid     bigint;
  bid     uuid;
  is_new  boolean;
  created integer := 0;
BEGIN
  FOR b IN SELECT value FROM jsonb_array_elements(batch) LOOP
    nb := jsonb_populate_record(NULL::builds, b->'build');

    INSERT INTO projects AS p (name, path) VALUES (b->>'project_name', b->>'project_path')
    ON CONFLICT (name) DO UPDATE
      SET path = excluded.path,
          updated_at = CASE WHEN p.path = excluded.path THEN p.updated_at ELSE now() END
    RETURNING id INTO pid;

    bid := NULL;
    INSERT INTO builds AS x (build_number, project_id, status, current_state, start_time, end_time, duration_ms,
                             input_hash, cache, builder, requested_builder, environment, exit_code, host,
                             commit_sha, created_by, record)
    VALUES (nb.build_number, pid, nb.status, nb.current_state, nb.start_time, nb.end_time, nb.duration_ms,
            nb.input_hash, nb.cache, nb.builder, nb.requested_builder, nb.environment, nb.exit_code, nb.host,
            nb.commit_sha, nb.created_by, nb.record)
    ON CONFLICT (build_number) DO UPDATE
      SET project_id = excluded.project_id, status = excluded.status, current_state = excluded.current_state,
          start_time = excluded.start_time, end_time = excluded.end_time, duration_ms = excluded.duration_ms,
          input_hash = excluded.input_hash, cache = excluded.cache, builder = excluded.builder,
          requested_builder = excluded.requested_builder, environment = excluded.environment,
          exit_code = excluded.exit_code, host = coalesce(excluded.host, x.host),
          commit_sha = coalesce(excluded.commit_sha, x.commit_sha), created_by = coalesce(excluded.created_by, x.created_by),
          record = excluded.record, updated_at = now()
      WHERE (x.end_time IS NOT NULL, x.current_state) <= (excluded.end_time IS NOT NULL, excluded.current_state)
    RETURNING id, (xmax = 0) INTO bid, is_new;
    CONTINUE WHEN bid IS NULL;
    IF is_new THEN created := created + 1; END IF;

    INSERT INTO build_states AS s (build_id, state, phase, status, start_time, end_time, duration_ms, error_message, retry_count)
    SELECT bid, r.state, r.phase, r.status, r.start_time, r.end_time, r.duration_ms, r.error_message, r.retry_count
    FROM jsonb_populate_recordset(NULL::build_states, b->'states') r
    ON CONFLICT (build_id, state) DO UPDATE
      SET phase = excluded.phase, status = excluded.status, start_time = excluded.start_time, end_time = excluded.end_time,
          duration_ms = excluded.duration_ms, error_message = excluded.error_message, retry_count = excluded.retry_count;

    -- Failures of a build saved after a later success of its project (a replay) are born resolved.
    INSERT INTO build_failures AS f (build_id, ordinal, state, failure_type, error_message, error_details, component,
                                     retry_attempt, resolved, resolution_notes, resolved_at)
    SELECT bid, r.ordinal, r.state, r.failure_type, r.error_message, r.error_details, r.component, r.retry_attempt,
           later.build_number IS NOT NULL,
           CASE WHEN later.build_number IS NOT NULL THEN 'resolved by build ' || later.build_number END,
           CASE WHEN later.build_number IS NOT NULL THEN now() END
    FROM jsonb_populate_recordset(NULL::build_failures, b->'failures') r
    LEFT JOIN LATERAL (
      SELECT lb.build_number FROM builds lb
      WHERE lb.project_id = pid AND lb.status = 'success' AND lb.start_time > nb.start_time
      ORDER BY lb.start_time LIMIT 1
    ) later ON true
    ON CONFLICT (build_id, ordinal) DO UPDATE
      SET state = excluded.state, failure_type = excluded.failure_type, error_message = excluded.error_message,
          error_details = excluded.error_details, component = excluded.component, retry_attempt = excluded.retry_attempt;
    DELETE FROM build_failures WHERE build_id = bid AND ordinal >= jsonb_array_length(b->'failures');

    INSERT INTO build_artifacts AS a (build_id, path, size, checksum, mime_type, uri)
    SELECT bid, r.path, r.size, r.checksum, r.mime_type, r.uri
    FROM jsonb_populate_recordset(NULL::build_artifacts, b->'artifacts') r
    ON CONFLICT (build_id, path) DO UPDATE
      SET size = excluded.size, checksum = excluded.checksum, mime_type = excluded.mime_type, uri = excluded.uri;
    DELETE FROM build_artifacts
    WHERE build_id = bid AND path NOT IN (SELECT value->>'path' FROM jsonb_array_elements(b->'artifacts'));

    IF nb.status = 'success' THEN
      UPDATE build_failures f
      SET resolved = true, resolved_at = now(), resolution_notes = 'resolved by build ' || nb.build_number
      FROM builds ob
      WHERE f.build_id = ob.id AND ob.project_id = pid AND NOT f.resolved AND ob.start_time < nb.start_time;
    END IF;

    IF b ? 'log' THEN
      INSERT INTO build_logs (build_number, package_path, text) VALUES (nb.build_number, b->>'project_path', b->>'log')
      ON CONFLICT (build_number) DO UPDATE SET package_path = excluded.package_path, text = excluded.text, updated_at = now();
    END IF;
  END LOOP;
  RETURN created;
END;
$$;
