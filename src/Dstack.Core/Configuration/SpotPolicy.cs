using System.Text.Json.Serialization;

namespace Dstack.Core.Configuration;

/// <summary>
/// Whether a run may use spot (interruptible) instances. In JSON (run specs in Temporal histories and manifests) it is
/// spelled as in workflows files, as when it was a string: a property of this type carries
/// <c>[JsonConverter(typeof(JsonStringEnumConverter&lt;SpotPolicy&gt;))]</c>, which outranks any converter of the options.
/// </summary>
public enum SpotPolicy
{
    /// <summary><c>on-demand</c>: on-demand instances only (the default).</summary>
    [JsonStringEnumMemberName("on-demand")]
    OnDemand,

    /// <summary><c>spot</c>: spot instances only.</summary>
    [JsonStringEnumMemberName("spot")]
    Spot,

    /// <summary><c>auto</c>: spot and on-demand compete on price; spot is tried first.</summary>
    [JsonStringEnumMemberName("auto")]
    Auto,
}
