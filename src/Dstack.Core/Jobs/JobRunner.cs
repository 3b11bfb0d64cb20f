using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dstack.Core.Instances;

namespace Dstack.Core.Jobs;

/// <summary>
/// The job protocol, the same for every backend, over an <see cref="IInstanceShell"/>. A job lives in
/// <c>&lt;DstackDirectory&gt;/jobs/&lt;run&gt;/&lt;job&gt;/</c> (<c>&lt;job&gt;-&lt;attempt&gt;/</c> from the second attempt on): <c>code/</c>, <c>job.sh</c>, <c>job.log</c> (stdout and stderr),
/// <c>job.pid</c> (the job's process group), <c>job.exit</c> (its exit code, written in one write when it ends).
/// </summary>
/// <remarks>
/// The job is started detached (<c>setsid</c>, SIGHUP ignored) under a small wrapper, so that it outlives the worker that started it.
/// The job runs in a process group of its own and the wrapper outside it: stopping the group never kills the wrapper,
/// which therefore always records the exit code (143 after SIGTERM, 137 after SIGKILL). Every member is idempotent, so
/// a retried activity on another worker re-attaches to the same job.
/// </remarks>
public sealed partial class JobRunner
{
    /// <summary>How long a graceful stop waits after SIGTERM before it sends SIGKILL, unless told otherwise.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(10);

    private readonly IInstanceShell _shell;

    /// <summary>Creates a runner for job <paramref name="job"/> of run <paramref name="run"/> on the instance of <paramref name="shell"/>.</summary>
    /// <exception cref="ArgumentException">A name holds characters other than letters, digits, '.', '_' and '-'.</exception>
    public JobRunner(IInstanceShell shell, string run, string job)
        : this(shell, run, job, 1)
    {
    }

    /// <summary>
    /// Creates a runner for attempt <paramref name="attempt"/> of job <paramref name="job"/> of run <paramref name="run"/>.
    /// Every attempt has a folder of its own: an activity of an earlier attempt that has not noticed its cancellation yet
    /// must never read (or stop) the next attempt's job, even on a machine at the same address.
    /// </summary>
    /// <exception cref="ArgumentException">A name holds characters other than letters, digits, '.', '_' and '-'.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is below 1.</exception>
    public JobRunner(IInstanceShell shell, string run, string job, int attempt)
    {
        ArgumentNullException.ThrowIfNull(shell);
        CheckName(run, nameof(run));
        CheckName(job, nameof(job));
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        _shell = shell;
        Run = run;
        Job = job;
        Attempt = attempt;
        var folder = attempt == 1 ? job : string.Create(CultureInfo.InvariantCulture, $"{job}-{attempt}");
        JobDirectory = $"{shell.DstackDirectory.TrimEnd('/')}/jobs/{run}/{folder}";
    }

    /// <summary>Gets the run's name.</summary>
    public string Run { get; }

    /// <summary>Gets the job's name.</summary>
    public string Job { get; }

    /// <summary>Gets the attempt (1 for the first machine, one more after each interruption).</summary>
    public int Attempt { get; }

    /// <summary>Gets the job folder on the instance.</summary>
    public string JobDirectory { get; }

    /// <summary>Gets the folder the code is unpacked into (the repository root of the job).</summary>
    public string CodeDirectory => JobDirectory + "/code";

    /// <summary>Gets the job's output file (stdout and stderr).</summary>
    public string LogPath => JobDirectory + "/job.log";

    /// <summary>
    /// The file a stop leaves in the job folder, holding the exit code a job stopped before it started gets: a start
    /// that finds it does not run the job (a stop can come while the job is still being prepared).
    /// </summary>
    private const string StopMark = "stop-requested";

    private string Q => ShellQuoting.Quote(JobDirectory);

    /// <summary>
    /// The largest code archive that travels inside the preparation script (as base64, after the line that reads it):
    /// one command instead of a dozen SFTP round trips (folders, two uploads, renames) and a command. With many jobs
    /// starting at once on a busy host each round trip waits for a core, and preparing was a job's longest step before it
    /// started (benchmarks/README.md, ScaleBenchmark). Larger archives go over SFTP, whose transfer is binary and pipelined.
    /// </summary>
    public const int InlineArchiveBytes = 1024 * 1024;

    /// <summary>
    /// Uploads the code and unpacks it into <see cref="CodeDirectory"/>, and writes <c>job.sh</c>. Does nothing when done
    /// before (a <c>prepared</c> marker is written last, so an interrupted preparation is redone).
    /// </summary>
    /// <returns>True when it prepared the job now, false when it was prepared already.</returns>
    public async Task<bool> PrepareAsync(Stream codeArchive, string jobScript, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codeArchive);
        ArgumentNullException.ThrowIfNull(jobScript);
        if (codeArchive.CanSeek && codeArchive.Length - codeArchive.Position <= InlineArchiveBytes)
        {
            return await PrepareInlineAsync(codeArchive, jobScript, cancellationToken).ConfigureAwait(false);
        }

        if (await IsPreparedAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await _shell.UploadAsync(codeArchive, JobDirectory + "/code.tar.gz", cancellationToken).ConfigureAwait(false);
        var script = new MemoryStream(Encoding.UTF8.GetBytes(jobScript), writable: false);
        await using (script.ConfigureAwait(false))
        {
            await _shell.UploadAsync(script, JobDirectory + "/job.sh", cancellationToken).ConfigureAwait(false);
        }

        await RunCheckedAsync("preparing the job", UnpackScript, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Prepares the job with one script that carries the archive at its end: bash reads a script on a pipe one byte at a
    /// time, so the command on the last line before the archive's bytes reads them to the end of the input (in large reads)
    /// and the <c>exit</c> that ends that line, parsed with it (bash parses a whole line, quoted newlines and all, before
    /// it runs it), ends the script. <c>job.sh</c> is written by the shell's own
    /// <c>printf</c>, no process. A job prepared before reads the bytes into nothing and is left as it is: its job may be running.
    /// </summary>
    private async Task<bool> PrepareInlineAsync(Stream codeArchive, string jobScript, CancellationToken cancellationToken)
    {
        var script = await InlinePrepareScriptAsync(codeArchive, jobScript, then: null, cancellationToken).ConfigureAwait(false);
        var result = await RunCheckedAsync("preparing the job", script, cancellationToken).ConfigureAwait(false);
        return result.Stdout.Contains("fresh=1", StringComparison.Ordinal);
    }

    /// <summary>
    /// Prepares the job as <see cref="PrepareAsync"/> does and starts it as <see cref="StartAsync(IReadOnlyDictionary{string, string}?, CancellationToken)"/>
    /// does, in one command when the archive is small enough to travel inline: one process started on the host and one
    /// round trip fewer between a slot taken and its job running. For a job with nothing to place between the two (no
    /// dependencies, no mounted artifacts).
    /// </summary>
    /// <returns>True when this call started the job; false when it had been started already, or a stop came first.</returns>
    /// <exception cref="JobException">The preparation failed, or the job did not appear to start.</exception>
    /// <exception cref="ArgumentException">A variable name is not a valid environment variable name.</exception>
    public async Task<bool> PrepareAndStartAsync(Stream codeArchive, string jobScript, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codeArchive);
        ArgumentNullException.ThrowIfNull(jobScript);
        if (!codeArchive.CanSeek || codeArchive.Length - codeArchive.Position > InlineArchiveBytes)
        {
            await PrepareAsync(codeArchive, jobScript, cancellationToken).ConfigureAwait(false);
            return await StartAsync(environment, cancellationToken).ConfigureAwait(false);
        }

        var script = await InlinePrepareScriptAsync(codeArchive, jobScript, StartCommands(environment), cancellationToken).ConfigureAwait(false);
        var result = await RunCheckedAsync("preparing and starting the job", script, cancellationToken).ConfigureAwait(false);
        return result.Stdout.Contains("started=1", StringComparison.Ordinal);
    }

    /// <summary>
    /// The script of <see cref="PrepareInlineAsync"/>, with the archive at its end; when <paramref name="then"/> is given,
    /// it is defined as a function before the archive's line and called on that line, after the preparation.
    /// </summary>
    private async Task<string> InlinePrepareScriptAsync(Stream codeArchive, string jobScript, string? then, CancellationToken cancellationToken)
    {
        using var archive = new MemoryStream();
        await codeArchive.CopyToAsync(archive, cancellationToken).ConfigureAwait(false);
        var encoded = Convert.ToBase64String(archive.GetBuffer(), 0, (int)archive.Length);
        var function = then is null ? string.Empty : $"dstack_then() {{\n{then}\n}}\n";
        var call = then is null ? string.Empty : " dstack_then;";
        return $"""
            set -euo pipefail
            if [ -f {Q}/prepared ]; then fresh=0; else fresh=1; fi
            if [ "$fresh" = 1 ]; then
              if [ -e {Q}/code ]; then rm -rf {Q}/code; fi
              mkdir -p {Q}/code
            fi
            cd {Q}
            echo "fresh=$fresh"
            {function}if [ "$fresh" = 1 ]; then base64 -d | tar -xzf - -C code --no-same-owner; printf '%s' {ShellQuoting.Quote(jobScript)} > job.sh; printf 'ok\n' > prepared; else cat > /dev/null; fi;{call} exit 0
            {encoded}
            """;
    }

    /// <summary>
    /// Unpacks <c>code.tar.gz</c> in the job folder into <c>code/</c> and marks the job prepared. Nothing reads
    /// <c>code/</c> before the marker, so an unpacking cut short is simply done again; every process this script starts
    /// costs the host a fork, which adds up when many jobs start at once.
    /// </summary>
    private string UnpackScript => $"""
        set -eu
        cd {Q}
        if [ -e code ]; then rm -rf code; fi
        mkdir code
        tar -xzf code.tar.gz -C code --no-same-owner
        rm -f code.tar.gz
        printf 'ok\n' > prepared
        """;

    /// <summary>
    /// Whether the job folder holds the <c>prepared</c> marker, read over the shell's file channel (on SSH, SFTP) rather
    /// than by a command, which would start a process on the host.
    /// </summary>
    private async Task<bool> IsPreparedAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1];
        return await _shell.ReadAsync(JobDirectory + "/prepared", 0, buffer, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Starts the job unless it was started before. The claim is creating <c>job.lock</c> exclusively (<c>O_EXCL</c>),
    /// atomic on every POSIX file system, so two workers racing start it once. Returns once the job's process group is recorded.
    /// </summary>
    /// <returns>True when this call started the job; false when it had been started already.</returns>
    /// <exception cref="JobException">The job is not prepared, or did not appear to start.</exception>
    public Task<bool> StartAsync(CancellationToken cancellationToken = default) => StartAsync(null, cancellationToken);

    /// <summary>
    /// Starts the job unless it was started before, with <paramref name="environment"/> (secrets) exported to it. The
    /// values travel only in the start script on the shell's standard input: never in <c>job.sh</c>, never on disk.
    /// </summary>
    /// <returns>True when this call started the job; false when it had been started already.</returns>
    /// <exception cref="JobException">The job is not prepared, or did not appear to start.</exception>
    /// <exception cref="ArgumentException">A variable name is not a valid environment variable name.</exception>
    public async Task<bool> StartAsync(IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken = default)
    {
        var result = await RunCheckedAsync(
            "starting the job",
            $"""
            set -eu
            cd {Q}
            {StartCommands(environment)}
            """,
            cancellationToken).ConfigureAwait(false);
        return result.Stdout.Contains("started=1", StringComparison.Ordinal);
    }

    /// <summary>The commands that start the job, run in its folder: the body of <see cref="StartAsync(IReadOnlyDictionary{string, string}?, CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">A variable name is not a valid environment variable name.</exception>
    private string StartCommands(IReadOnlyDictionary<string, string>? environment)
    {
        var exports = new StringBuilder();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            if (!VariableRegex().IsMatch(name))
            {
                throw new ArgumentException($"'{name}' is not a valid environment variable name.", nameof(environment));
            }

            exports.Append(CultureInfo.InvariantCulture, $"export {name}={ShellQuoting.Quote(value)}\n");
        }

        // The job records its own process group ID ($$ right after setsid) before exec'ing job.sh; the wrapper waits for
        // it outside that group and writes the exit code. Each file is written by one short write(), so a reader sees it
        // empty or whole, and every reader asks for a non-empty one ('-s'): no temporary file and 'mv' (a process each).
        // The wrapper holds an exclusive lock on job.lock until it has written the exit code and exits (the job does not
        // inherit it), so a follower can wait for the job's end (IInstanceShell.WaitForUnlockAsync) instead of looking.
        // The job says on descriptor 7, a pipe the start script reads, that it has recorded its group: the start waits for
        // that line instead of looking for job.pid every 10 ms (a 'sleep' process each, two per start on a busy host). It
        // ignores SIGPIPE for that one line, so a start script gone meanwhile (its connection dropped) cannot kill the job.
        // The wrapper ignores SIGHUP, as 'nohup' did, without a process for it.
        var wrapper = $"""
            trap '' HUP
            cd {Q} || exit 1
            exec 9>> job.lock
            flock -x 9 2> /dev/null
            echo $$ > wrapper.pid
            setsid -w bash -c 'echo $$ > job.pid || exit 1; trap "" PIPE; echo started 2> /dev/null >&7; trap - PIPE; exec bash ./job.sh 7>&-' 9>&- >> job.log 2>&1 < /dev/null &
            exec 7>&-
            wait $!
            code=$?
            printf '%s\n' "$code" > job.exit
            """;
        return $"""
            if [ ! -f prepared ]; then echo "the job folder {JobDirectory} is not prepared" >&2; exit 2; fi
            started=0
            # noclobber creates job.lock with O_EXCL: one caller wins, without a process for it ('mkdir'). A job.lock folder
            # (jobs started by an earlier dstack) refuses the redirection as well.
            set -C
            if : 2>/dev/null > job.lock; then
              set +C
              started=1
              # Empty until the wrapper writes the code: a follower keeps it open from the start (a look is then one
              # read, not a failed open), and every reader asks for a non-empty one.
              : > job.exit
              # After job.lock, so that a stop either finds job.lock or left its mark before this look (StopAsync).
              if [ -s {StopMark} ] && read -r code < {StopMark}; then
                started=0
                printf 'dstack: stopped before the job started\n' >> job.log
                printf '%s\n' "$code" > job.exit
              else
            {exports}
                read -r _ < <(setsid bash -c {ShellQuoting.Quote(wrapper)} dstack-job 7>&1 < /dev/null > /dev/null 2>&1) || true
              fi
            fi
            set +C
            # A start that lost the race to another, or a wrapper that ended before the job said so, looks instead.
            i=0
            while [ ! -s job.pid ] && [ ! -s job.exit ]; do
              i=$((i + 1))
              if [ "$i" -gt 3000 ]; then echo "the job did not record its process within 30 seconds" >&2; exit 3; fi
              sleep 0.01
            done
            echo "started=$started"
            """;
    }

    /// <summary>Follows the job's output and exit code, each file kept open between looks: for a job watched until it ends.</summary>
    public JobFollower Follow() => new(_shell, _shell.Follow(LogPath), _shell.Follow(JobDirectory + "/job.exit"), JobDirectory + "/job.lock");

    /// <summary>Reads up to <paramref name="maxBytes"/> bytes of the job's output from <paramref name="offset"/> (one look; <see cref="Follow"/> for many).</summary>
    /// <returns>The bytes; empty at the end of the output so far.</returns>
    public async Task<ReadOnlyMemory<byte>> ReadOutputAsync(long offset, int maxBytes, CancellationToken cancellationToken = default)
    {
        await using var follower = Follow();
        return await follower.ReadOutputAsync(offset, maxBytes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gets the job's exit code, or null while it has not ended (or was never started).</summary>
    public async Task<int?> GetExitCodeAsync(CancellationToken cancellationToken = default)
    {
        await using var follower = Follow();
        return await follower.GetExitCodeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// True while the job has not ended: its exit code is not written and its wrapper or process group is alive.
    /// </summary>
    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken = default)
    {
        var result = await _shell.RunAsync(
            $"""
            if ! cd {Q} 2>/dev/null; then echo no; exit 0; fi
            if [ -s job.exit ]; then echo no; exit 0; fi
            if [ -s wrapper.pid ] && read -r pid < wrapper.pid && kill -0 "$pid" 2>/dev/null; then echo yes; exit 0; fi
            if [ -s job.pid ] && read -r pgid < job.pid && kill -0 -- "-$pgid" 2>/dev/null; then echo yes; exit 0; fi
            echo no
            """,
            cancellationToken).ConfigureAwait(false);
        return result.Stdout.Trim() == "yes";
    }

    /// <summary>
    /// Stops the job's whole process group: SIGKILL when <paramref name="force"/>; otherwise SIGTERM, then SIGKILL after
    /// <paramref name="gracePeriod"/> (<see cref="DefaultGracePeriod"/> when null) if anything is still alive. Returns once the
    /// exit code is written (or after a few seconds). Stopping a job that ended does nothing; a job not started yet never
    /// starts (its start records the stop's exit code instead, 143 or 137 when forced).
    /// </summary>
    public async Task StopAsync(bool force, TimeSpan? gracePeriod = null, CancellationToken cancellationToken = default)
    {
        var tenths = (int)Math.Ceiling((gracePeriod ?? DefaultGracePeriod).TotalMilliseconds / 100);
        var signal = force
            ? """kill -KILL -- "-$pgid" 2>/dev/null || true"""
            : $"""
              kill -TERM -- "-$pgid" 2>/dev/null || true
              i=0
              while kill -0 -- "-$pgid" 2>/dev/null && [ "$i" -lt {tenths} ]; do i=$((i + 1)); sleep 0.1; done
              kill -KILL -- "-$pgid" 2>/dev/null || true
              """;
        await RunCheckedAsync(
            "stopping the job",
            $"""
            # The mark keeps a job that is not started yet (still being prepared) from starting at all; a start that looked
            # before it was left had made job.lock first, so the job is then waited for and stopped.
            mkdir -p {Q} 2>/dev/null || true
            cd {Q} 2>/dev/null || exit 0
            printf '{(force ? 137 : 143)}\n' > {StopMark}
            [ -e job.lock ] || exit 0
            i=0
            while [ ! -s job.pid ] && [ ! -s job.exit ] && [ "$i" -lt 3000 ]; do i=$((i + 1)); sleep 0.01; done
            [ -s job.pid ] || exit 0
            [ -s job.exit ] && exit 0
            pgid=$(cat job.pid)
            {signal}
            i=0
            while [ ! -s job.exit ] && [ "$i" -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
            exit 0
            """,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Packs the artifact <paramref name="paths"/> (relative to the job's working directory) into one .tar.gz on the
    /// instance, so that they can be downloaded through the shell. Paths that do not exist are skipped and reported.
    /// </summary>
    /// <param name="paths">Artifact paths, relative to <paramref name="workingDir"/>.</param>
    /// <param name="workingDir">The working directory relative to the repository root, or null for the root.</param>
    /// <param name="cancellationToken">Cancels the packing.</param>
    /// <exception cref="ArgumentException">A path is absolute or contains <c>..</c>.</exception>
    public async Task<PackedArtifacts> PackArtifactsAsync(IReadOnlyList<string> paths, string? workingDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var normalized = paths.Select(p => NormalizeRelative(p, nameof(paths))).ToList();
        var folder = workingDir is null or "" or "." ? CodeDirectory : $"{CodeDirectory}/{NormalizeRelative(workingDir, nameof(workingDir))}";
        var archive = JobDirectory + "/artifacts.tar.gz";
        var script = new StringBuilder();
        script.AppendLine("set -eu");
        script.AppendLine(CultureInfo.InvariantCulture, $"cd {ShellQuoting.Quote(folder)}");
        script.AppendLine("set --");
        for (var i = 0; i < normalized.Count; i++)
        {
            // "./" keeps a path that starts with '-' from being read as an option by tar.
            var path = ShellQuoting.Quote("./" + normalized[i]);
            script.AppendLine(CultureInfo.InvariantCulture, $"if [ -e {path} ] || [ -L {path} ]; then set -- \"$@\" {path}; else echo \"missing {i}\"; fi");
        }

        var temp = ShellQuoting.Quote(archive + ".tmp");
        script.AppendLine(CultureInfo.InvariantCulture, $"if [ \"$#\" -gt 0 ]; then tar -czf {temp} \"$@\"; else tar -czf {temp} -T /dev/null; fi");
        script.AppendLine(CultureInfo.InvariantCulture, $"mv -f {temp} {ShellQuoting.Quote(archive)}");
        var result = await RunCheckedAsync("packing the artifacts", script.ToString(), cancellationToken).ConfigureAwait(false);

        var missing = MissingRegex().Matches(result.Stdout)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .ToHashSet();
        return new PackedArtifacts(
            archive,
            normalized.Where((_, i) => !missing.Contains(i)).ToList(),
            normalized.Where((_, i) => missing.Contains(i)).ToList());
    }

    /// <summary>Gets the job's working directory on the instance for <paramref name="workingDir"/> (relative to the repository root, or null).</summary>
    /// <exception cref="ArgumentException"><paramref name="workingDir"/> is absolute or contains <c>..</c>.</exception>
    public string WorkingDirectory(string? workingDir) =>
        workingDir is null or "" or "." ? CodeDirectory : $"{CodeDirectory}/{NormalizeRelative(workingDir, nameof(workingDir))}";

    /// <summary>
    /// Unpacks a .tar.gz (built by dstack from verified files: dependencies' artifacts, a restored checkpoint) into the
    /// job's working directory, over what is there.
    /// </summary>
    public async Task UnpackAsync(Stream archive, string? workingDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var folder = ShellQuoting.Quote(WorkingDirectory(workingDir));
        var path = JobDirectory + "/unpack.tar.gz";
        await _shell.UploadAsync(archive, path, cancellationToken).ConfigureAwait(false);
        await RunCheckedAsync(
            "placing the input files",
            $"""
            set -eu
            mkdir -p {folder}
            tar -xzf {ShellQuoting.Quote(path)} -C {folder} --no-same-owner
            rm -f {ShellQuoting.Quote(path)}
            """,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Kills whatever is left of the job's process group, waits (10 s at most) for the wrapper to record the exit code of
    /// a job that was still running, and removes the job folder: one command, so a job's end costs the host one process
    /// for the shell and two for the removal.
    /// </summary>
    public Task CleanupAsync(CancellationToken cancellationToken = default) => CleanupAsync(null, cancellationToken);

    /// <summary>
    /// Cleans up as <see cref="CleanupAsync(CancellationToken)"/> and, once the folder is gone, runs <paramref name="then"/>
    /// (shell lines that end the shell, such as a machine's release) in the same command; when the clean-up fails they do not run.
    /// </summary>
    public async Task CleanupAsync(string? then, CancellationToken cancellationToken = default) =>
        await RunCheckedAsync(
            "removing the job folder",
            $"""
            if cd {Q} 2>/dev/null; then
              if [ -s job.pid ] && read -r pgid < job.pid; then kill -KILL -- "-$pgid" 2>/dev/null || true; fi
              # The wrapper writes job.exit once the group is gone; removing the folder under it would race that write.
              if [ ! -s job.exit ] && [ -s wrapper.pid ] && read -r wrapper < wrapper.pid && kill -0 "$wrapper" 2>/dev/null; then
                i=0
                while [ ! -s job.exit ] && [ "$i" -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
              fi
              cd /
            fi
            # A file created while rm walks the folder makes it fail ("Directory not empty"): try again, then say so.
            for i in 1 2 3 4 5; do
              [ -e {Q} ] || break
              rm -rf {Q} 2>/dev/null || true
              [ -e {Q} ] || break
              sleep 0.2
            done
            if [ -e {Q} ]; then echo "could not remove {JobDirectory}; left in it:" >&2; ls -la {Q} >&2; exit 1; fi
            rmdir {ShellQuoting.Quote($"{_shell.DstackDirectory.TrimEnd('/')}/jobs/{Run}")} 2>/dev/null || true
            {then ?? "exit 0"}
            """,
            cancellationToken).ConfigureAwait(false);

    private static void CheckName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(name, parameter);
        if (!NameRegex().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' may hold only letters, digits, '.', '_' and '-', and must not start with '.' or '-'.", parameter);
        }
    }

    private static string NormalizeRelative(string path, string parameter)
    {
        ArgumentException.ThrowIfNullOrEmpty(path, parameter);
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToList();
        if (path.StartsWith('/') || segments.Contains("..") || segments.Count == 0)
        {
            throw new ArgumentException($"The path '{path}' must be relative and stay inside the working directory.", parameter);
        }

        return string.Join('/', segments);
    }

    private async Task<ShellResult> RunCheckedAsync(string what, string script, CancellationToken cancellationToken)
    {
        var result = await _shell.RunAsync(script, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? result
            : throw new JobException($"Failed {what} of run {Run} (job {Job}) in {JobDirectory}: exit code {result.ExitCode}. {result.Stderr.Trim()}");
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]*$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableRegex();

    [GeneratedRegex(@"^missing (\d+)$", RegexOptions.Multiline)]
    private static partial Regex MissingRegex();
}
