using System.Security.Cryptography;
using System.Text;
using Dstack.Core.Runs;

namespace Dstack.Core.Environments;

/// <summary>
/// Everything that decides the content of a job's environment. Its <see cref="Key"/> names the cached environment on an
/// instance, so a second run with the same recipe spends no time on setup.
/// </summary>
/// <param name="Python">The Python version (<c>3.10</c>), or null for the host's <c>python3</c>.</param>
/// <param name="Requirements">The content of the requirements file, or null.</param>
/// <param name="Conda">The content of the conda environment file, or null.</param>
/// <param name="Image">The Docker image, or null.</param>
/// <param name="WantsGpu">Whether the job asks for a GPU (and so may need CUDA).</param>
public sealed record EnvironmentRecipe(string? Python, string? Requirements, string? Conda, string? Image, bool WantsGpu)
{
    /// <summary>Gets the recipe of <paramref name="spec"/>.</summary>
    public static EnvironmentRecipe FromSpec(RunSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new EnvironmentRecipe(spec.Python, spec.Requirements, spec.Conda, spec.Image, spec.Resources.WantsGpu);
    }

    /// <summary>Gets how the environment is made: Docker when an image is named, else conda, else a virtualenv when a Python or requirements are asked for.</summary>
    public EnvironmentKind Kind =>
        Image is not null ? EnvironmentKind.Docker
        : Conda is not null ? EnvironmentKind.Conda
        : Python is not null || Requirements is not null ? EnvironmentKind.Virtualenv
        : EnvironmentKind.None;

    /// <summary>Gets the environment key: the sha256 (lower-case hex) of the recipe.</summary>
    public string Key
    {
        get
        {
            // Length-prefixed fields, so that moving text from one field to the next changes the key.
            var text = new StringBuilder("dstack-environment-v1\n");
            foreach (var part in new[] { Python, Requirements, Conda, Image, WantsGpu ? "gpu" : "cpu" })
            {
                text.Append(part is null ? "-1" : part.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(':').Append(part).Append('\n');
            }

            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        }
    }
}
