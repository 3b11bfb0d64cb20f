using System.Globalization;
using System.Text.RegularExpressions;
using System.Text;
using Dstack.Core.Configuration;
using Dstack.Core.Instances;
using Dstack.Core.Runs;

namespace Dstack.Core.Environments;

/// <summary>
/// Builds a job's <c>job.sh</c> from its <see cref="RunSpec"/>: variables, working directory, environment (cached per
/// <see cref="EnvironmentRecipe.Key"/> under <c>&lt;DstackDirectory&gt;/envs/</c>), then <c>setup</c> and <c>commands</c>.
/// </summary>
/// <remarks>
/// Every value dstack puts into the script is single-quoted; only <c>setup</c> and <c>commands</c> are written as the user
/// wrote them, because they are the user's shell commands. Environments are built under <c>flock</c>, so two jobs with
/// the same recipe build it once, and marked <c>.ready</c> last, so a crashed build is rebuilt.
/// </remarks>
public sealed partial class JobScriptBuilder
{
    /// <summary>The file in the job folder where <c>job.sh</c> records its step: the log's size when it began, a space, what it does.</summary>
    public const string JobStepFile = "job.step";

    /// <summary>Where the code is mounted in a Docker container.</summary>
    public const string ContainerRepoDirectory = "/workflow";

    private readonly string _dstackDirectory;

    /// <summary>Creates a builder for an instance whose dstack folder is <paramref name="dstackDirectory"/>.</summary>
    public JobScriptBuilder(string dstackDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(dstackDirectory);
        _dstackDirectory = dstackDirectory.TrimEnd('/');
    }

    /// <summary>Gets the folder of the cached environment of <paramref name="recipe"/> on the instance.</summary>
    public string EnvironmentDirectory(EnvironmentRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        return $"{_dstackDirectory}/envs/{recipe.Key}";
    }

    /// <summary>Builds the script.</summary>
    /// <param name="spec">The run.</param>
    /// <param name="codeDirectory">The repository root on the instance (the job's <c>code/</c> folder).</param>
    /// <param name="attempt">The attempt number, exported as <c>DSTACK_ATTEMPT</c> (and <c>DSTACK_RESUMED=1</c> after the first).</param>
    /// <exception cref="EnvironmentException">A variable name is invalid, or a path leaves the repository.</exception>
    public string Build(RunSpec spec, string codeDirectory, int attempt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(codeDirectory);
        var recipe = EnvironmentRecipe.FromSpec(spec);
        var docker = recipe.Kind == EnvironmentKind.Docker || spec.Provider == WorkflowProvider.Docker;
        var workingDir = spec.WorkingDir is null ? null : Relative(spec.WorkingDir, "working_dir");
        workingDir = string.IsNullOrEmpty(workingDir) ? null : workingDir;

        var variables = new List<(string Name, string Value)>
        {
            ("DSTACK_RUN_NAME", spec.RunName),
            ("DSTACK_WORKFLOW", spec.WorkflowName),
            ("DSTACK_REPO_DIR", codeDirectory),
            ("DSTACK_ATTEMPT", attempt.ToString(CultureInfo.InvariantCulture)),
        };

        // A later attempt resumes an interrupted one: the script reloads its checkpoint when this is set.
        if (attempt > 1)
        {
            variables.Add(("DSTACK_RESUMED", "1"));
        }

        foreach (var (name, value) in spec.Env.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!VariableNameRegex().IsMatch(name))
            {
                throw new EnvironmentException($"'{name}' is not a valid environment variable name (letters, digits and '_', not starting with a digit).");
            }

            variables.Add((name, value));
        }


        var script = new StringBuilder();
        script.Append("#!/usr/bin/env bash\n");
        script.Append("# Written by dstack. Output goes to job.log; the exit code to job.exit.\n");
        script.Append("set -euo pipefail\n");
        foreach (var (name, value) in variables)
        {
            script.Append(CultureInfo.InvariantCulture, $"export {name}={ShellQuoting.Quote(value)}\n");
        }

        AppendSecretMasking(script, spec.Secrets);

        var hostWorkingDir = workingDir is null ? codeDirectory : $"{codeDirectory}/{workingDir}";
        script.Append(CultureInfo.InvariantCulture, $"cd {ShellQuoting.Quote(hostWorkingDir)}\n");

        // The job folder holds code/ (see JobRunner); the ports file goes next to it.
        var jobDirectory = codeDirectory.TrimEnd('/')[..codeDirectory.TrimEnd('/').LastIndexOf('/')];
        AppendPorts(script, spec, jobDirectory);
        AppendStepMarker(script, jobDirectory);

        if (docker)
        {
            AppendDocker(script, spec, recipe, variables, workingDir);
            return script.ToString();
        }

        switch (recipe.Kind)
        {
            case EnvironmentKind.Virtualenv:
                AppendVirtualenv(script, spec, recipe, codeDirectory);
                break;
            case EnvironmentKind.Conda:
                AppendConda(script, spec, recipe, codeDirectory);
                break;
            default:
                break;
        }

        AppendUserCommands(script, spec);
        if (IsDevEnvironment(spec.Provider))
        {
            Step(script, $"starting {spec.Provider.ToConfigName()}");
            AppendDevEnvironment(script, spec, hostWorkingDir, jobDirectory);
        }

        return script.ToString();
    }

    /// <summary>
    /// Sends the job's output through a filter that writes <c>***</c> for every secret value, so job.log (and the logs in
    /// storage) never hold one. The values come from the environment the job is started with, by name; the filter works
    /// line by line and flushes each line. On exit the script waits for the filter, so no output is lost.
    /// </summary>
    private static void AppendSecretMasking(StringBuilder script, IReadOnlyList<string> secrets)
    {
        if (secrets.Count == 0)
        {
            return;
        }

        foreach (var name in secrets)
        {
            if (!VariableNameRegex().IsMatch(name))
            {
                throw new EnvironmentException($"'{name}' is not a valid secret name (letters, digits and '_', not starting with a digit).");
            }
        }

        const string Program = """
            BEGIN { n = split(names, k, " "); m = 0; for (i = 1; i <= n; i++) { v = ENVIRON[k[i]]; if (length(v) > 0) s[++m] = v } }
            { line = $0; for (i = 1; i <= m; i++) { out = ""; while ((p = index(line, s[i])) > 0) { out = out substr(line, 1, p - 1) "***"; line = substr(line, p + length(s[i])) } line = out line } print line; fflush() }
            """;

        // mawk reads pipes in blocks unless told to be interactive; other awks read what is there.
        script.Append(CultureInfo.InvariantCulture, $$"""
            if awk -W version 2>/dev/null | grep -q mawk; then dstack_awk=(awk -W interactive); else dstack_awk=(awk); fi
            exec > >("${dstack_awk[@]}" -v names={{ShellQuoting.Quote(string.Join(' ', secrets))}} {{ShellQuoting.Quote(Program.ReplaceLineEndings(" "))}}) 2>&1
            dstack_mask_pid=$!
            trap 'exec >&- 2>&-; wait "$dstack_mask_pid" 2>/dev/null || true' EXIT

            """);
    }

    private static void AppendUserCommands(StringBuilder script, RunSpec spec)
    {
        if (spec.Setup.Count > 0)
        {
            Step(script, "the workflow's setup commands");
            foreach (var line in spec.Setup)
            {
                script.Append(line).Append('\n');
            }
        }

        Step(script, "the workflow's commands");
        foreach (var line in spec.Commands)
        {
            script.Append(line).Append('\n');
        }
    }

    /// <summary>
    /// Defines <c>dstack_step</c>, which records in <see cref="JobStepFile"/> the step the job is in and the size of
    /// <c>job.log</c> when it began. A job that fails then says which step failed (creating the environment, pip, the
    /// user's commands) with that step's last lines, not just its exit code (<c>JobRunner.DescribeFailureAsync</c>).
    /// Recording it never fails the job, and on Linux costs no process: the job's output is <c>job.log</c> opened for
    /// appending, whose offset (<c>/proc/$$/fdinfo/1</c>, read by the shell's <c>read</c>) is the size after the last write;
    /// elsewhere, or while the output goes through the secrets mask's pipe, <c>wc -c</c> measures the file.
    /// </summary>
    private static void AppendStepMarker(StringBuilder script, string jobDirectory)
    {
        var log = ShellQuoting.Quote(jobDirectory + "/job.log");
        var step = ShellQuoting.Quote(jobDirectory + "/" + JobStepFile);
        script.Append(CultureInfo.InvariantCulture, $$"""
            dstack_step() {
              local dstack_size="" dstack_key dstack_value
              if [ {{log}} -ef /proc/$$/fd/1 ]; then
                while read -r dstack_key dstack_value; do
                  if [ "$dstack_key" = pos: ]; then dstack_size=$dstack_value; break; fi
                done < /proc/$$/fdinfo/1 2>/dev/null
                if [ "$dstack_size" = 0 ] && [ -s {{log}} ]; then dstack_size=""; fi
              fi
              [ -n "$dstack_size" ] || dstack_size=$(wc -c 2>/dev/null < {{log}} || echo 0)
              printf '%s %s\n' "$dstack_size" "$1" > {{step}} 2>/dev/null || true
            }

            """);
    }

    /// <summary>Marks the start of a step, described as a failure message names it ("… failed").</summary>
    private static void Step(StringBuilder script, string description) =>
        script.Append(CultureInfo.InvariantCulture, $"dstack_step {ShellQuoting.Quote(description)}\n");

    /// <summary>Writes the cached-environment frame: lock, check <c>.ready</c> again, build, mark ready.</summary>
    private static void AppendCachedBuild(StringBuilder script, string environmentDirectory, string description, string build)
    {
        var env = ShellQuoting.Quote(environmentDirectory);
        script.Append(CultureInfo.InvariantCulture, $"""
            dstack_env={env}
            if [ ! -f "$dstack_env/.ready" ]; then
              mkdir -p "$(dirname "$dstack_env")"
              exec 9>"$dstack_env.lock"
              flock 9
              if [ ! -f "$dstack_env/.ready" ]; then
                echo {ShellQuoting.Quote("dstack: preparing " + description)}
                rm -rf "$dstack_env"
            {build}
                touch "$dstack_env/.ready"
              fi
              flock -u 9
              exec 9>&-
            else
              echo {ShellQuoting.Quote("dstack: reusing " + description)}
            fi

            """);
    }

    private void AppendVirtualenv(StringBuilder script, RunSpec spec, EnvironmentRecipe recipe, string codeDirectory)
    {
        var environmentDirectory = EnvironmentDirectory(recipe);
        var version = spec.Python ?? string.Empty;
        if (version.Length > 0 && !PythonVersionRegex().IsMatch(version))
        {
            throw new EnvironmentException($"'python: {version}' is not a Python version like 3.10.");
        }

        var asked = version.Length > 0 ? $"Python {version}" : "Python 3";
        var candidates = version.Length > 0
            ? $"python{version} python3 python \"${{PYENV_ROOT:-${{HOME:-/nonexistent}}/.pyenv}}\"/versions/{version}.*/bin/python{version}"
            : "python3 python";

        var build = new StringBuilder();
        build.Append(CultureInfo.InvariantCulture, $"    dstack_step {ShellQuoting.Quote($"creating the Python environment ({asked})")}\n");
        var pattern = version.Length > 0 ? ShellQuoting.Quote(version) : "3.*";
        var missing = ShellQuoting.Quote($"dstack: {asked} was asked for, but this machine has");
        var advice = ShellQuoting.Quote($"Install {asked} on it, or change 'python' in the workflow.");
        build.Append(CultureInfo.InvariantCulture, $$"""
                dstack_python=""
                dstack_found=""
                for dstack_candidate in {{candidates}}; do
                  dstack_version=$("$dstack_candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || continue
                  dstack_found="$dstack_found $dstack_candidate ($dstack_version)"
                  case "$dstack_version" in {{pattern}}) dstack_python="$dstack_candidate"; break ;; esac
                done
                if [ -z "$dstack_python" ]; then
                  echo {{missing}} "${dstack_found:- no Python}." {{advice}} >&2
                  exit 127
                fi
                "$dstack_python" -m venv "$dstack_env"

            """);

        if (RequirementsFile(spec.RequirementsPath, spec.Requirements, codeDirectory, "$dstack_env.requirements.txt", build) is { } requirements)
        {
            build.Append(CultureInfo.InvariantCulture, $"    dstack_step {ShellQuoting.Quote($"pip install -r {spec.RequirementsPath ?? "the requirements"}")}\n");
            build.Append(CultureInfo.InvariantCulture, $"    \"$dstack_env/bin/python\" -m pip install --disable-pip-version-check -r {requirements}\n");
        }

        AppendCachedBuild(script, environmentDirectory, $"the Python environment {recipe.Key[..12]} ({asked})", build.ToString().TrimEnd('\n'));

        // Older activate scripts read unset variables.
        script.Append("set +u\nsource \"$dstack_env/bin/activate\"\nset -u\n");
    }

    private void AppendConda(StringBuilder script, RunSpec spec, EnvironmentRecipe recipe, string codeDirectory)
    {
        var environmentDirectory = EnvironmentDirectory(recipe);
        var build = new StringBuilder();
        build.Append(CultureInfo.InvariantCulture, $"    dstack_step {ShellQuoting.Quote($"creating the conda environment from {spec.CondaPath ?? "the environment file"}")}\n");
        var file = RequirementsFile(spec.CondaPath, spec.Conda, codeDirectory, "$dstack_env.environment.yml", build)!; // Kind is Conda, so Conda is set
        build.Append(CultureInfo.InvariantCulture, $"""
                if command -v micromamba >/dev/null 2>&1; then
                  micromamba create -y -p "$dstack_env" -f {file}
                elif command -v conda >/dev/null 2>&1; then
                  conda env create -p "$dstack_env" -f {file}
                else
                  echo 'dstack: the workflow asks for a conda environment, but neither micromamba nor conda is installed on this machine. Install micromamba, or use python and requirements instead.' >&2
                  exit 127
                fi
            """);
        AppendCachedBuild(script, environmentDirectory, $"the conda environment {recipe.Key[..12]}", build.ToString());
        script.Append("""
            set +u
            if command -v micromamba >/dev/null 2>&1; then
              eval "$(micromamba shell hook -s bash)"
              micromamba activate "$dstack_env"
            else
              eval "$(conda shell.bash hook)"
              conda activate "$dstack_env"
            fi
            set -u

            """);
    }

    /// <summary>
    /// Gives the file to install from, quoted: the repository's file when its path is known, else the recipe's content
    /// written next to the environment (the content is what the key was computed from).
    /// </summary>
    private static string? RequirementsFile(string? path, string? content, string codeDirectory, string fallback, StringBuilder build)
    {
        if (path is not null)
        {
            return ShellQuoting.Quote($"{codeDirectory}/{Relative(path, "requirements")}");
        }

        if (content is null)
        {
            return null;
        }

        build.Append(CultureInfo.InvariantCulture, $"    printf '%s\\n' {ShellQuoting.Quote(content)} > \"{fallback}\"\n");
        return $"\"{fallback}\"";
    }

    private static void AppendDocker(
        StringBuilder script, RunSpec spec, EnvironmentRecipe recipe, List<(string Name, string Value)> variables, string? workingDir)
    {
        if (recipe.Image is null)
        {
            throw new EnvironmentException($"The workflow '{spec.WorkflowName}' uses the docker provider but names no image.");
        }

        var image = ShellQuoting.Quote(recipe.Image);
        script.Append(CultureInfo.InvariantCulture, $"""
            if ! command -v docker >/dev/null 2>&1; then
              echo {ShellQuoting.Quote($"dstack: the workflow runs in the Docker image {recipe.Image}, but Docker is not installed on this machine. Install Docker, or run it on a backend that has it.")} >&2
              exit 127
            fi
            if ! docker info >/dev/null 2>&1; then
              echo {ShellQuoting.Quote($"dstack: the workflow runs in the Docker image {recipe.Image}, but the Docker daemon does not answer ('docker info' failed). Start Docker, or check that this user may use it.")} >&2
              exit 127
            fi

            """);

        var arguments = new List<string> { "docker run --rm", $"-v \"$DSTACK_REPO_DIR\":{ContainerRepoDirectory}" };
        var containerWorkingDir = workingDir is null ? ContainerRepoDirectory : $"{ContainerRepoDirectory}/{workingDir}";
        arguments.Add($"-w {ShellQuoting.Quote(containerWorkingDir)}");

        // "-e NAME" passes the exported value without writing it on the command line again.
        arguments.AddRange(variables.Where(v => v.Name != "DSTACK_REPO_DIR").Select(v => $"-e {v.Name}"));
        arguments.AddRange(spec.Ports.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"-e PORT_{i}")));
        arguments.Add($"-e DSTACK_REPO_DIR={ContainerRepoDirectory}");
        arguments.AddRange(spec.Secrets.Select(name => $"-e {name}"));
        arguments.AddRange(spec.Ports.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"-p \"$PORT_{i}:$PORT_{i}\"")));
        if (recipe.WantsGpu)
        {
            arguments.Add("--gpus all");
        }

        Step(script, $"the workflow's commands in the Docker image {recipe.Image}");
        var inner = new StringBuilder("set -euo pipefail\n");

        // Inside the container there is no dstack_step (nor the job folder): the whole container is one step.
        foreach (var line in spec.Setup.Concat(spec.Commands))
        {
            inner.Append(line).Append('\n');
        }

        arguments.Add(image);
        arguments.Add($"bash -c {ShellQuoting.Quote(inner.ToString())}");
        script.Append("exec ").Append(string.Join(" \\\n  ", arguments)).Append('\n');
    }

    private static string Relative(string path, string key)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();
        if (path.StartsWith('/') || segments.Contains(".."))
        {
            throw new EnvironmentException($"'{key}: {path}' must be a path inside the repository (relative, without '..').");
        }

        return string.Join('/', segments);
    }

    [GeneratedRegex(@"^3\.[0-9]{1,2}$")]
    private static partial Regex PythonVersionRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableNameRegex();
}
