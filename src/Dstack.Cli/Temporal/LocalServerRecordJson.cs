using System.Text.Json.Serialization;

namespace Dstack.Cli.Temporal;

/// <summary>Source-generated JSON for <see cref="LocalServerRecord"/>, so reading it costs no reflection in every command.</summary>
[JsonSerializable(typeof(LocalServerRecord))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class LocalServerRecordJson : JsonSerializerContext;
