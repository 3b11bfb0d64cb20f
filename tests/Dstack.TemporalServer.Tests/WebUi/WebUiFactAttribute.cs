using Dstack.TemporalServer.WebUi;

namespace Dstack.TemporalServer.Tests.WebUi;

/// <summary>A test of the web UI, skipped (and saying why) when the build had no Node.js and npm to build it.</summary>
public sealed class WebUiFactAttribute : FactAttribute
{
    public WebUiFactAttribute()
    {
        if (!TemporalWebUiExtensions.IsDstackTemporalWebUiIncluded)
        {
            Skip = TemporalWebUiExtensions.DstackTemporalWebUiMissingHint;
        }
    }
}
