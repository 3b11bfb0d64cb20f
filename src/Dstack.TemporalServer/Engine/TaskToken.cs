using Google.Protobuf;
using Dstack.TemporalServer.Grpc;

namespace Dstack.TemporalServer.Engine;

/// <summary>
/// Identifies one attempt of a task. The scheduled event ID and the attempt are part of the token so that
/// a call for an older attempt is answered NotFound, as real Temporal does.
/// </summary>
internal sealed record TaskToken(TaskTokenKind Kind, string Namespace, string WorkflowId, string RunId, long ScheduledEventId, int Attempt, string QueryId = "")
{
    public ByteString ToByteString()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write((byte)Kind);
            writer.Write(Namespace);
            writer.Write(WorkflowId);
            writer.Write(RunId);
            writer.Write(ScheduledEventId);
            writer.Write(Attempt);
            writer.Write(QueryId);
        }

        return ByteString.CopyFrom(stream.ToArray());
    }

    public static TaskToken Parse(ByteString token, TaskTokenKind expected)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(token.ToByteArray()));
            var kind = (TaskTokenKind)reader.ReadByte();
            var parsed = new TaskToken(kind, reader.ReadString(), reader.ReadString(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadString());
            return parsed.Kind == expected ? parsed : throw ServerErrors.InvalidArgument("Error deserializing task token.");
        }
        catch (EndOfStreamException)
        {
            throw ServerErrors.InvalidArgument("Error deserializing task token.");
        }
    }
}
