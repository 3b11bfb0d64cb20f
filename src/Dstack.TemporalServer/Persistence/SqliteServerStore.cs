using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Enums.V1;

namespace Dstack.TemporalServer.Persistence;

/// <summary>
/// The engine's state in one SQLite file, as `temporal server start-dev --db-filename` keeps it.
/// A single committer thread owns the connection: operations that finish while a commit runs are grouped
/// into the next transaction (group commit), so throughput does not fall to one transaction per RPC.
/// </summary>
internal sealed class SqliteServerStore : IServerStore
{
    /// <summary>The schema this build writes. A file with a higher version came from a newer dstack and is refused.</summary>
    public const int SchemaVersion = 1;

    private static readonly byte[] SqliteHeader = Encoding.ASCII.GetBytes("SQLite format 3\0");

    private const string SchedulesTable = "CREATE TABLE schedules (namespace TEXT NOT NULL, schedule_id TEXT NOT NULL, state BLOB NOT NULL, PRIMARY KEY (namespace, schedule_id));";

    private readonly string _path;
    private readonly SqliteConnection _connection;
    private readonly ILogger _logger;
    private readonly Channel<PendingCommit> _queue = Channel.CreateUnbounded<PendingCommit>(new UnboundedChannelOptions { SingleReader = true });
    private Task? _committer;
    private Exception? _fault;
    private Statements? _statements;

    private SqliteServerStore(string path, SqliteConnection connection, ILogger logger)
    {
        _path = path;
        _connection = connection;
        _logger = logger;
    }

    public bool IsPersistent => true;

    /// <summary>Opens (or creates) the database; throws <see cref="ServerStoreException"/> rather than touch a file it does not understand.</summary>
    public static SqliteServerStore Open(string path, ILogger logger)
    {
        path = Path.GetFullPath(path);
        CheckHeader(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);

        // No pooling: a disposed store must release the file, so that a restart in the same process (tests) reopens it.
        // A short timeout: the file is busy only when another server holds it, and waiting does not help then.
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 1 }.ToString());
        try
        {
            connection.Open();

            // WAL with synchronous=NORMAL: a commit is in the OS's page cache before the reply, so a crash of
            // the process (kill -9) loses nothing; only a power loss may lose the last commits, never corrupt the file.
            // EXCLUSIVE locking keeps a second server from writing the same file behind this one's back.
            Execute(connection, "PRAGMA busy_timeout=100; PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                EnsureSchema(connection, transaction, path);
                EnsureClusterId(connection, transaction);
                transaction.Commit();
            }
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw e.SqliteErrorCode switch
            {
                5 or 6 => new ServerStoreException($"{path} is in use by another Temporal server (SQLite: {e.Message}).", e),
                11 or 26 => new ServerStoreException($"{path} is corrupt or not a Temporal server database (SQLite: {e.Message}). It was left untouched; move it away to start afresh.", e),
                _ => new ServerStoreException($"{path} cannot be opened: {e.Message}", e),
            };
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new SqliteServerStore(path, connection, logger);
    }

    public StoredState Load()
    {
        try
        {
            string clusterId;
            using (var command = Command("SELECT value FROM meta WHERE key='cluster_id'"))
            {
                clusterId = command.ExecuteScalar() as string ?? throw new ServerStoreException($"{_path} is corrupt: it has no cluster ID.");
            }

            var attributes = new List<SearchAttributeRecord>();
            using (var command = Command("SELECT namespace, name, type FROM search_attributes"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    attributes.Add(new SearchAttributeRecord(reader.GetString(0), reader.GetString(1), (IndexedValueType)reader.GetInt32(2)));
                }
            }

            var events = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
            using (var command = Command("SELECT run_id, event_id, data FROM events ORDER BY run_id, event_id"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var runId = reader.GetString(0);
                    if (!events.TryGetValue(runId, out var list))
                    {
                        list = [];
                        events.Add(runId, list);
                    }

                    if (reader.GetInt64(1) != list.Count + 1)
                    {
                        throw new ServerStoreException($"{_path} is corrupt: run {runId} has a gap in its history before event {reader.GetInt64(1)}.");
                    }

                    list.Add((byte[])reader[2]);
                }
            }

            var runs = new List<StoredRun>();
            using (var command = Command("SELECT run_id, namespace, workflow_id, seq, state FROM runs ORDER BY seq"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var runId = reader.GetString(0);
                    runs.Add(new StoredRun(runId, reader.GetString(1), reader.GetString(2), reader.GetInt64(3), (byte[])reader[4], events.GetValueOrDefault(runId) ?? []));
                }
            }

            var schedules = new List<ScheduleRecord>();
            using (var command = Command("SELECT namespace, schedule_id, state FROM schedules"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    schedules.Add(new ScheduleRecord(reader.GetString(0), reader.GetString(1), (byte[])reader[2]));
                }
            }

            return new StoredState(clusterId, attributes, runs) { Schedules = schedules };
        }
        catch (SqliteException e)
        {
            throw new ServerStoreException($"{_path} is corrupt (SQLite: {e.Message}). It was left untouched; move it away to start afresh.", e);
        }
    }

    public Task CommitAsync(StoreBatch batch)
    {
        _committer ??= Task.Run(CommitLoopAsync);
        var pending = new PendingCommit(batch, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Completion.TrySetException(new ObjectDisposedException(nameof(SqliteServerStore)));
        }

        return pending.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_committer is not null)
        {
            await _committer.ConfigureAwait(false);
        }

        if (_statements is not null)
        {
            await _statements.UpsertRun.DisposeAsync().ConfigureAwait(false);
            await _statements.InsertEvent.DisposeAsync().ConfigureAwait(false);
            await _statements.DeleteRun.DisposeAsync().ConfigureAwait(false);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private static void CheckHeader(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            return;
        }

        var header = new byte[SqliteHeader.Length];
        using (var stream = File.OpenRead(path))
        {
            stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (!header.AsSpan().SequenceEqual(SqliteHeader))
        {
            throw new ServerStoreException($"{path} is not a SQLite database, so not a Temporal server database. It was left untouched; move it away or choose another file.");
        }
    }

    private static void EnsureSchema(SqliteConnection connection, SqliteTransaction transaction, string path)
    {
        using var tables = connection.CreateCommand();
        tables.Transaction = transaction;
        tables.CommandText = "SELECT name FROM sqlite_master WHERE type='table'";
        var names = new HashSet<string>(StringComparer.Ordinal);
        using (var reader = tables.ExecuteReader())
        {
            while (reader.Read())
            {
                names.Add(reader.GetString(0));
            }
        }

        if (names.Count == 0)
        {
            using var create = connection.CreateCommand();
            create.Transaction = transaction;
            create.CommandText = $"""
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO meta (key, value) VALUES ('schema_version', '{SchemaVersion}'), ('application', 'dstack-temporal-server');
                CREATE TABLE search_attributes (namespace TEXT NOT NULL, name TEXT NOT NULL, type INTEGER NOT NULL, PRIMARY KEY (namespace, name));
                CREATE TABLE runs (run_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, workflow_id TEXT NOT NULL, seq INTEGER NOT NULL, state BLOB NOT NULL);
                CREATE TABLE events (run_id TEXT NOT NULL, event_id INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (run_id, event_id)) WITHOUT ROWID;
                {SchedulesTable}
                """;
            create.ExecuteNonQuery();
            return;
        }

        if (!names.Contains("meta"))
        {
            throw new ServerStoreException($"{path} is a SQLite database of some other program, not a Temporal server database. It was left untouched; choose another file.");
        }

        using var version = connection.CreateCommand();
        version.Transaction = transaction;
        version.CommandText = "SELECT value FROM meta WHERE key='schema_version'";
        var value = version.ExecuteScalar() as string;
        if (!int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var found))
        {
            throw new ServerStoreException($"{path} has no schema version; it is not a Temporal server database of dstack. It was left untouched.");
        }

        if (found > SchemaVersion)
        {
            throw new ServerStoreException($"{path} was written by a newer dstack (schema version {found}; this one reads up to {SchemaVersion}). Upgrade dstack; the file was left untouched.");
        }

        // Files written before schedules existed get their table; older builds ignore it.
        using var schedules = connection.CreateCommand();
        schedules.Transaction = transaction;
        schedules.CommandText = SchedulesTable.Replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", StringComparison.Ordinal);
        schedules.ExecuteNonQuery();
    }

    /// <summary>Gives the file a cluster ID the first time it is opened (files written before cluster IDs included).</summary>
    private static void EnsureClusterId(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT OR IGNORE INTO meta (key, value) VALUES ('cluster_id', $id)";
        insert.Parameters.AddWithValue("$id", Guid.NewGuid().ToString());
        insert.ExecuteNonQuery();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

#pragma warning disable CA2100 // Every statement is a constant of this class; values are parameters.
    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }
#pragma warning restore CA2100

    private async Task CommitLoopAsync()
    {
        var group = new List<PendingCommit>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (_queue.Reader.TryRead(out var pending))
            {
                group.Add(pending);
            }

            if (_fault is null)
            {
                try
                {
                    Write(group);
                }
#pragma warning disable CA1031 // Any failure to write fails the waiting RPCs; they must not be acknowledged.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    // After a failed commit the file no longer matches memory; refuse every later write too.
                    _fault = e;
                    _logger.LogCritical(e, "Writing {Path} failed; the server no longer acknowledges changes", _path);
                }
            }

            foreach (var pending in group)
            {
                if (_fault is null)
                {
                    pending.Completion.TrySetResult();
                }
                else
                {
                    pending.Completion.TrySetException(new ServerStoreException($"{_path} could not be written: {_fault.Message}", _fault));
                }
            }
        }
    }

    private void Write(List<PendingCommit> group)
    {
        using var transaction = _connection.BeginTransaction();
        var statements = _statements ??= new Statements(this);
        var (upsertRun, insertEvent, deleteRun) = (statements.UpsertRun, statements.InsertEvent, statements.DeleteRun);
        var (run, ns, wf, seq, state) = (upsertRun.Parameters[0], upsertRun.Parameters[1], upsertRun.Parameters[2], upsertRun.Parameters[3], upsertRun.Parameters[4]);
        var (eventRun, eventId, eventData) = (insertEvent.Parameters[0], insertEvent.Parameters[1], insertEvent.Parameters[2]);
        var deleted = deleteRun.Parameters[0];
        foreach (var command in new[] { upsertRun, insertEvent, deleteRun })
        {
            command.Transaction = transaction;
        }

        foreach (var pending in group)
        {
            var batch = pending.Batch;
            foreach (var record in batch.Runs)
            {
                run.Value = record.RunId;
                ns.Value = record.Namespace;
                wf.Value = record.WorkflowId;
                seq.Value = record.Sequence;
                state.Value = record.State;
                upsertRun.ExecuteNonQuery();
                eventRun.Value = record.RunId;
                for (var i = 0; i < record.NewEvents.Count; i++)
                {
                    eventId.Value = record.FirstNewEventId + i;
                    eventData.Value = record.NewEvents[i];
                    insertEvent.ExecuteNonQuery();
                }
            }

            foreach (var runId in batch.DeletedRunIds)
            {
                deleted.Value = runId;
                deleteRun.ExecuteNonQuery();
            }

            if (batch.SearchAttributes is { } attributes)
            {
                using var clear = Command("DELETE FROM search_attributes");
                clear.Transaction = transaction;
                clear.ExecuteNonQuery();
                using var insert = Command("INSERT INTO search_attributes (namespace, name, type) VALUES ($ns, $name, $type)");
                insert.Transaction = transaction;
                var attributeNs = insert.Parameters.Add("$ns", SqliteType.Text);
                var name = insert.Parameters.Add("$name", SqliteType.Text);
                var type = insert.Parameters.Add("$type", SqliteType.Integer);
                foreach (var attribute in attributes)
                {
                    attributeNs.Value = attribute.Namespace;
                    name.Value = attribute.Name;
                    type.Value = (int)attribute.Type;
                    insert.ExecuteNonQuery();
                }
            }

            WriteSchedules(batch, transaction);
        }

        transaction.Commit();
    }

    private void WriteSchedules(StoreBatch batch, SqliteTransaction transaction)
    {
        if (batch.Schedules.Count > 0)
        {
            using var upsert = Command("INSERT INTO schedules (namespace, schedule_id, state) VALUES ($ns, $id, $state) ON CONFLICT (namespace, schedule_id) DO UPDATE SET state = excluded.state");
            upsert.Transaction = transaction;
            var (ns, id, state) = (upsert.Parameters.Add("$ns", SqliteType.Text), upsert.Parameters.Add("$id", SqliteType.Text), upsert.Parameters.Add("$state", SqliteType.Blob));
            foreach (var schedule in batch.Schedules)
            {
                (ns.Value, id.Value, state.Value) = (schedule.Namespace, schedule.ScheduleId, schedule.State);
                upsert.ExecuteNonQuery();
            }
        }

        if (batch.DeletedSchedules.Count > 0)
        {
            using var delete = Command("DELETE FROM schedules WHERE namespace = $ns AND schedule_id = $id");
            delete.Transaction = transaction;
            var (ns, id) = (delete.Parameters.Add("$ns", SqliteType.Text), delete.Parameters.Add("$id", SqliteType.Text));
            foreach (var (scheduleNamespace, scheduleId) in batch.DeletedSchedules)
            {
                (ns.Value, id.Value) = (scheduleNamespace, scheduleId);
                delete.ExecuteNonQuery();
            }
        }
    }

    private sealed record PendingCommit(StoreBatch Batch, TaskCompletionSource Completion);

    /// <summary>The hot statements, kept for the store's lifetime so SQLite compiles them once, not per transaction.</summary>
    private sealed class Statements
    {
        public Statements(SqliteServerStore store)
        {
            UpsertRun = store.Command("INSERT INTO runs (run_id, namespace, workflow_id, seq, state) VALUES ($run, $ns, $wf, $seq, $state) ON CONFLICT (run_id) DO UPDATE SET state = excluded.state");
            UpsertRun.Parameters.Add("$run", SqliteType.Text);
            UpsertRun.Parameters.Add("$ns", SqliteType.Text);
            UpsertRun.Parameters.Add("$wf", SqliteType.Text);
            UpsertRun.Parameters.Add("$seq", SqliteType.Integer);
            UpsertRun.Parameters.Add("$state", SqliteType.Blob);
            InsertEvent = store.Command("INSERT OR REPLACE INTO events (run_id, event_id, data) VALUES ($run, $id, $data)");
            InsertEvent.Parameters.Add("$run", SqliteType.Text);
            InsertEvent.Parameters.Add("$id", SqliteType.Integer);
            InsertEvent.Parameters.Add("$data", SqliteType.Blob);
            DeleteRun = store.Command("DELETE FROM runs WHERE run_id = $run; DELETE FROM events WHERE run_id = $run");
            DeleteRun.Parameters.Add("$run", SqliteType.Text);
        }

        public SqliteCommand UpsertRun { get; }

        public SqliteCommand InsertEvent { get; }

        public SqliteCommand DeleteRun { get; }
    }
}
