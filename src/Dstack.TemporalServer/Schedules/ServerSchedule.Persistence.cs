using Dstack.TemporalServer.Engine;
using Dstack.TemporalServer.Persistence;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.Schedule.V1;

namespace Dstack.TemporalServer.Schedules;

/// <content>
/// Persistence: the whole schedule as one row (protobuf messages length-delimited, scalars in between). Timers and
/// watches are not stored; <see cref="Resume"/> re-arms them, and the time the server was down is caught up then.
/// </content>
internal sealed partial class ServerSchedule
{
    private const byte StateFormat = 1;

    public ScheduleRecord CaptureForStore()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(StateFormat);
            writer.Write(RequestId);
            writer.Write(LastProcessedTime.Ticks);
            writer.Write(ConflictToken);
            writer.Write(_buffer.Count);
            foreach (var start in _buffer)
            {
                writer.Write(start.Nominal.Ticks);
                writer.Write(start.Actual.Ticks);
                writer.Write((int)start.Overlap);
                writer.Write(start.Manual);
            }

            writer.Write(_backfills.Count);
            writer.Write(SearchAttributes.Count);
            writer.Write(LastCompletionResult is not null);
            writer.Write(LastFailure is not null);
        }

        Definition.WriteDelimitedTo(stream);
        Info.WriteDelimitedTo(stream);
        Memo.WriteDelimitedTo(stream);
        foreach (var backfill in _backfills)
        {
            backfill.WriteDelimitedTo(stream);
        }

        foreach (var (name, payload) in SearchAttributes)
        {
            new Payloads { Payloads_ = { new Payload { Data = ByteString.CopyFromUtf8(name) }, payload } }.WriteDelimitedTo(stream);
        }

        LastCompletionResult?.WriteDelimitedTo(stream);
        LastFailure?.WriteDelimitedTo(stream);
        return new ScheduleRecord(Namespace.Name, Id, stream.ToArray());
    }

    /// <summary>Rebuilds a schedule from its row; a spec this machine cannot read (a time zone it lacks) leaves it idle.</summary>
    public static ServerSchedule Restore(TemporalEngine engine, ServerNamespace ns, ScheduleRecord record)
    {
        using var stream = new MemoryStream(record.State);
        using var reader = new BinaryReader(stream);
        if (reader.ReadByte() != StateFormat)
        {
            throw new ServerStoreException($"schedule {record.ScheduleId} has a state format this version does not read");
        }

        var requestId = reader.ReadString();
        var lastProcessed = new DateTime(reader.ReadInt64(), DateTimeKind.Utc);
        var conflictToken = reader.ReadInt64();
        var buffer = new List<BufferedStart>();
        for (var n = reader.ReadInt32(); n > 0; n--)
        {
            buffer.Add(new BufferedStart(new DateTime(reader.ReadInt64(), DateTimeKind.Utc), new DateTime(reader.ReadInt64(), DateTimeKind.Utc), (ScheduleOverlapPolicy)reader.ReadInt32(), reader.ReadBoolean()));
        }

        var backfills = reader.ReadInt32();
        var attributes = reader.ReadInt32();
        var hasResult = reader.ReadBoolean();
        var hasFailure = reader.ReadBoolean();

        var definition = Schedule.Parser.ParseDelimitedFrom(stream);
        CompiledScheduleSpec? spec = null;
        try
        {
            spec = ScheduleSpecCompiler.Compile(definition.Spec);
        }
        catch (ScheduleSpecException e)
        {
            engine.ScheduleLogger.LogWarning("Schedule {ScheduleId} takes no actions: its spec cannot be read here ({Error})", record.ScheduleId, e.Message);
        }

        var schedule = new ServerSchedule(engine, ns, record.ScheduleId, requestId, definition, spec, lastProcessed)
        {
            ConflictToken = conflictToken,
            Info = ScheduleInfo.Parser.ParseDelimitedFrom(stream),
            _buffer = buffer,
        };
        schedule.Memo = Memo.Parser.ParseDelimitedFrom(stream);
        for (; backfills > 0; backfills--)
        {
            schedule._backfills.Add(BackfillRequest.Parser.ParseDelimitedFrom(stream));
        }

        for (; attributes > 0; attributes--)
        {
            var pair = Payloads.Parser.ParseDelimitedFrom(stream);
            schedule.SearchAttributes[pair.Payloads_[0].Data.ToStringUtf8()] = pair.Payloads_[1];
        }

        schedule.LastCompletionResult = hasResult ? Payloads.Parser.ParseDelimitedFrom(stream) : null;
        schedule.LastFailure = hasFailure ? Failure.Parser.ParseDelimitedFrom(stream) : null;
        return schedule;
    }
}
