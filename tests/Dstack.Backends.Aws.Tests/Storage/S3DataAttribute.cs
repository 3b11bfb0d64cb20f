using System.Reflection;
using Xunit.Sdk;

namespace Dstack.Backends.Aws.Tests.Storage;

/// <summary>The theory row for S3 storage: skipped, saying why, where s3rver cannot run (CI installs it).</summary>
public sealed class S3DataAttribute : DataAttribute
{
    public S3DataAttribute()
    {
        Skip = S3rver.Unavailable() ?? string.Empty;
        if (Skip.Length == 0)
        {
            Skip = null;
        }
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [["s3"]];
}
