using System.Globalization;
using System.Text;
using Dstack.Core.Configuration;
using Dstack.Core.Instances;
using Dstack.Core.Jobs;
using Dstack.Core.Runs;

namespace Dstack.Core.Environments;

/// <summary>The parts of <c>job.sh</c> that serve ports: <c>ports</c> on script workflows, and the dev environments.</summary>
public sealed partial class JobScriptBuilder
{
    /// <summary>How long a dev environment may go without a connection when the workflow sets no <c>idle_duration</c>.</summary>
    public static readonly TimeSpan DefaultIdleDuration = TimeSpan.FromHours(1);

    /// <summary>Gets whether <paramref name="provider"/> is a dev environment (<c>code</c>, <c>lab</c>, <c>notebook</c>).</summary>
    public static bool IsDevEnvironment(WorkflowProvider provider) => provider is WorkflowProvider.Code or WorkflowProvider.Lab or WorkflowProvider.Notebook;

    /// <summary>
    /// Defines <c>dstack_free_port</c>: draws a random port that nothing on the instance uses (by <c>ss</c>) and that this
    /// script has not drawn before, into <c>$dstack_port</c>.
    /// </summary>
    private const string FreePortFunction = """
        dstack_taken=" "
        dstack_free_port() {
          local i
          for i in $(seq 1 200); do
            dstack_port=$(shuf -i 20000-60999 -n 1)
            case "$dstack_taken" in *" $dstack_port "*) continue ;; esac
            if [ -z "$(ss -Htan "( sport = :$dstack_port )" 2>/dev/null)" ]; then
              dstack_taken="$dstack_taken$dstack_port "
              return 0
            fi
          done
          echo 'dstack: found no free port on this machine.' >&2
          exit 1
        }

        """;

    /// <summary>Exports <c>PORT_0..N</c> (a free port where the workflow gave only a count) and, for script workflows, records them.</summary>
    private static void AppendPorts(StringBuilder script, RunSpec spec, string jobDirectory)
    {
        script.Append(FreePortFunction);
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var port = spec.Ports[i];
            script.Append(port == 0
                ? string.Create(CultureInfo.InvariantCulture, $"dstack_free_port\nexport PORT_{i}=\"$dstack_port\"\n")
                : string.Create(CultureInfo.InvariantCulture, $"dstack_taken=\"${{dstack_taken}}{port} \"\nexport PORT_{i}={port}\n"));
        }

        if (spec.Ports.Count > 0 && !IsDevEnvironment(spec.Provider))
        {
            AppendEndpointsFile(script, jobDirectory, spec.Ports.Count, app: null);
        }
    }

    /// <summary>Writes <see cref="JobEndpoints.FileName"/> atomically, readable by the job's user only (it may hold a token).</summary>
    private static void AppendEndpointsFile(StringBuilder script, string jobDirectory, int portCount, string? app)
    {
        var file = ShellQuoting.Quote($"{jobDirectory}/{JobEndpoints.FileName}");
        script.Append("(\n  umask 077\n  {\n");
        for (var i = 0; i < portCount; i++)
        {
            script.Append(CultureInfo.InvariantCulture, $"    printf 'PORT_{i}=%s\\n' \"$PORT_{i}\"\n");
        }

        if (app is not null)
        {
            script.Append(CultureInfo.InvariantCulture, $"    printf 'APP=%s\\n' {ShellQuoting.Quote(app)}\n");
            script.Append("    printf 'APP_PORT=%s\\nAPP_PATH=%s\\n' \"$dstack_app_port\" \"$dstack_app_path\"\n");
        }

        script.Append(CultureInfo.InvariantCulture, $"  }} > {file}.tmp\n  mv -f {file}.tmp {file}\n)\n");
    }

    /// <summary>
    /// Starts the dev environment in the background on a free port of the instance's loopback with a random token, records
    /// where it is once it listens, and stops it (the job then ends with 0) after <c>idle_duration</c> without an
    /// established connection to its port. Connections are seen with <c>ss</c>: a browser keeps a websocket open while a
    /// notebook or VS Code tab is open, and SSH port forwarding opens one connection per client connection.
    /// </summary>
    private static void AppendDevEnvironment(StringBuilder script, RunSpec spec, string directory, string jobDirectory)
    {
        var tool = DevTool(spec.Provider);
        var idle = (long)Math.Ceiling((spec.IdleDuration ?? DefaultIdleDuration).TotalSeconds);
        var dir = ShellQuoting.Quote(directory);
        script.Append(CultureInfo.InvariantCulture, $"""
            if ! command -v ss >/dev/null 2>&1; then
              echo {ShellQuoting.Quote($"dstack: {tool.Name} needs 'ss' (iproute2) on this machine, to find a free port and to see when it is idle. Install iproute2 there.")} >&2
              exit 127
            fi

            """);
        script.Append("dstack_free_port\ndstack_app_port=\"$dstack_port\"\n");
        script.Append("dstack_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \\n')\n");
        script.Append("dstack_app=()\n");
        foreach (var command in tool.Commands)
        {
            script.Append(CultureInfo.InvariantCulture, $"if [ ${{#dstack_app[@]}} -eq 0 ] && command -v {command} >/dev/null 2>&1; then dstack_app=({command}); fi\n");
        }

        if (tool.PythonModule is { } module)
        {
            script.Append(CultureInfo.InvariantCulture, $$"""
                if [ ${#dstack_app[@]} -eq 0 ] && python -c 'import {{module}}' >/dev/null 2>&1; then dstack_app=(python -m {{module}}); fi
                dstack_install_error="no Python environment to install it into (set python or requirements in the workflow)"
                if [ ${#dstack_app[@]} -eq 0 ] && [ -n "${VIRTUAL_ENV:-}${CONDA_PREFIX:-}" ]; then
                  echo {{ShellQuoting.Quote($"dstack: {tool.Name} is not installed; installing {tool.PipPackage} with pip")}}
                  if python -m pip install --disable-pip-version-check --retries 0 --timeout 15 {{tool.PipPackage}}; then
                    dstack_app=(python -m {{module}})
                  else
                    dstack_install_error="pip install {{tool.PipPackage}} failed (see above; can this machine reach a package index?)"
                  fi
                fi

                """);
        }
        else
        {
            script.Append("dstack_install_error=\"dstack does not install it by itself\"\n");
        }

        script.Append(CultureInfo.InvariantCulture, $$"""
            if [ ${#dstack_app[@]} -eq 0 ]; then
              echo {{ShellQuoting.Quote($"dstack: {tool.Name} is not installed on this machine ({tool.Missing})")}} "and could not be installed: $dstack_install_error." {{ShellQuoting.Quote(tool.Advice)}} >&2
              exit 127
            fi

            """);

        script.Append(spec.Provider switch
        {
            WorkflowProvider.Code => $$"""
                dstack_app_path="/?folder="{{dir}}
                if [ "${dstack_app[0]}" = openvscode-server ]; then
                  dstack_token_file={{ShellQuoting.Quote(jobDirectory + "/app.token")}}
                  (umask 077; printf '%s' "$dstack_token" > "$dstack_token_file")
                  dstack_app+=(--host 127.0.0.1 --port "$dstack_app_port" --connection-token-file "$dstack_token_file" --default-folder {{dir}})
                  dstack_app_path="/?tkn=$dstack_token&folder="{{dir}}
                else
                  export PASSWORD="$dstack_token"
                  dstack_app+=(--bind-addr "127.0.0.1:$dstack_app_port" --auth password --disable-telemetry {{dir}})
                  dstack_app_path="/?folder="{{dir}}"#password=$dstack_token"
                fi

                """,
            _ => $"""
                export JUPYTER_TOKEN="$dstack_token"
                dstack_app_path="/?token=$dstack_token"
                dstack_app+=(--no-browser --ip=127.0.0.1 --port="$dstack_app_port" --port-retries=0 --notebook-dir={dir})
                if [ "$(id -u)" = 0 ]; then dstack_app+=(--allow-root); fi

                """,
        });

        script.Append(CultureInfo.InvariantCulture, $$"""
            echo {{ShellQuoting.Quote($"dstack: starting {tool.Name}")}}
            "${dstack_app[@]}" &
            dstack_app_pid=$!
            trap 'kill -TERM "$dstack_app_pid" 2>/dev/null || true; wait "$dstack_app_pid" || true; exit 143' TERM INT
            dstack_ready=0
            dstack_last=$(date +%s)
            while kill -0 "$dstack_app_pid" 2>/dev/null; do
              if [ "$dstack_ready" = 0 ] && [ -n "$(ss -Htln "( sport = :$dstack_app_port )" 2>/dev/null)" ]; then
            {{EndpointsFileText(jobDirectory, spec.Ports.Count, tool.Name)}}
                dstack_ready=1
                dstack_last=$(date +%s)
                echo {{ShellQuoting.Quote($"dstack: {tool.Name} is ready; it stops after {idle} s without a connection (idle_duration)")}}
              fi
              if [ "$dstack_ready" = 1 ]; then
                if [ -n "$(ss -Htn state established "( sport = :$dstack_app_port )" 2>/dev/null)" ]; then
                  dstack_last=$(date +%s)
                elif [ $(( $(date +%s) - dstack_last )) -ge {{idle}} ]; then
                  echo {{ShellQuoting.Quote($"dstack: no connection to {tool.Name} for {idle} s (idle_duration); stopping it")}}
                  kill -TERM "$dstack_app_pid" 2>/dev/null || true
                  wait "$dstack_app_pid" || true
                  exit 0
                fi
              fi
              sleep 1 &
              wait $! || true
            done
            wait "$dstack_app_pid"

            """);
    }

    private static string EndpointsFileText(string jobDirectory, int portCount, string app)
    {
        var text = new StringBuilder();
        AppendEndpointsFile(text, jobDirectory, portCount, app);
        return text.ToString().TrimEnd('\n');
    }

    private static DevToolInfo DevTool(WorkflowProvider provider) => provider switch
    {
        WorkflowProvider.Notebook => new DevToolInfo(
            "Jupyter Notebook", ["jupyter-notebook"], "notebook", "notebook", "no jupyter-notebook command, no 'notebook' Python module",
            "Install it there (apt-get install jupyter-notebook, or pip install notebook), or add notebook to the workflow's requirements."),
        WorkflowProvider.Lab => new DevToolInfo(
            "JupyterLab", ["jupyter-lab"], "jupyterlab", "jupyterlab", "no jupyter-lab command, no 'jupyterlab' Python module",
            "Install it there (pip install jupyterlab), or add jupyterlab to the workflow's requirements."),
        WorkflowProvider.Code => new DevToolInfo(
            "VS Code", ["openvscode-server", "code-server"], null, null, "no openvscode-server or code-server command",
            "Install code-server (npm install -g code-server) or openvscode-server there."),
        _ => throw new EnvironmentException($"'{provider.ToConfigName()}' is not a dev environment provider."),
    };

    private sealed record DevToolInfo(string Name, IReadOnlyList<string> Commands, string? PythonModule, string? PipPackage, string Missing, string Advice);
}
