using Proxy.Cli;

return await CliApp.RunAsync(args, Console.Out, Console.Error, Directory.GetCurrentDirectory());
