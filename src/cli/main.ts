// The `changehook` command line: serve, api, worker, migrate, backup, orgs create, keys rotate, emulator google|microsoft.

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.ts';
import { beginKeyFileRotation, finishKeyFileRotation, loadKeyring } from '../crypto/index.ts';
import { reencryptInstanceSecrets } from '../instances/index.ts';
import { backupSqlite, openStore, SchemaTooNewError } from '../store/index.ts';
import { TenantService } from '../tenants/index.ts';
import { handleShutdownSignals, startServer, startupBanner, type Role } from './serve.ts';

const USAGE = `usage: changehook <command>

  serve [--sandbox]          API, console and workers in one process (default of npm start)
  api                        API and console only (scale-out, with DATABASE_URL)
  worker                     background workers only (scale-out, with DATABASE_URL)
  migrate                    bring the database schema up to date and exit
  backup <file>              copy the SQLite database to a new file, safely while the server runs
  orgs create [--name N] [--email E]
                             create an organization and its first user; prints their secrets once
  keys rotate                re-encrypt every secret under a new master key
  emulator google [--port P] run the Google emulator alone (default port 8090; --help for options)
  emulator microsoft [--port P]
                             run the Microsoft emulator alone (default port 8091; --help for options)

Configuration is read from the environment; see README.md.`;

/** `changehook emulator <provider>`: each emulator's own command line, loaded only when asked for. */
const EMULATOR_COMMANDS: Record<string, () => Promise<{ runEmulatorCommand(args: string[]): Promise<void> }>> = {
  google: () => import('../../emulators/google/main.ts'),
  microsoft: () => import('../../emulators/microsoft/main.ts'),
};

async function main(argv: string[]): Promise<void> {
  const [command, sub] = argv;
  const config = loadConfig(process.env, argv);
  switch (command) {
    case 'serve':
    case 'api':
    case 'worker': {
      const role = command as Role;
      const server = await startServer(config, role);
      process.stdout.write(startupBanner(server, role) + '\n');
      handleShutdownSignals(server);
      return;
    }
    case 'migrate': {
      loadKeyring(config);
      const store = await openStore(config);
      await store.close();
      process.stdout.write(`database is up to date (${store.dialect})\n`);
      return;
    }
    case 'backup': {
      if (!sub) throw new UsageError('backup needs the file to write, e.g. changehook backup changehook-backup.sqlite');
      if (config.databaseUrl) throw new UsageError('backup copies the SQLite database; on PostgreSQL use pg_dump (see README.md, Running in production)');
      let copied: ReturnType<typeof backupSqlite>;
      try {
        copied = backupSqlite(config.dataDir, sub);
      } catch (error) {
        throw new CommandFailed(`backup failed: ${(error as Error).message}`);
      }
      const { source, bytes } = copied;
      process.stdout.write(
        `backed up ${source} to ${sub} (${bytes} bytes)\n` +
          'Its secrets are encrypted: keep the master key (CHANGEHOOK_MASTER_KEY, or master.key in the data directory) backed up too, apart from it.\n',
      );
      return;
    }
    case 'orgs': {
      if (sub !== 'create') throw new UsageError(`unknown orgs command '${sub ?? ''}'`);
      const { values } = parseArgs({ args: argv.slice(2), options: { name: { type: 'string' }, email: { type: 'string' } } });
      const store = await openStore(config);
      try {
        const tenant = await new TenantService(store.db).createOrganization({ name: values.name ?? 'New organization', userEmail: values.email ?? 'admin@localhost' });
        process.stdout.write(
          `organization ${tenant.organizationId} "${tenant.organizationName}" with user ${tenant.userId} <${tenant.userEmail}>\n` +
            `Authorization: User ${tenant.userSecret}, Organization ${tenant.organizationSecret}\n` +
            'These secrets are shown once; store them now.\n',
        );
      } finally {
        await store.close();
      }
      return;
    }
    case 'keys': {
      if (sub !== 'rotate') throw new UsageError(`unknown keys command '${sub ?? ''}'`);
      const keyring = beginKeyFileRotation(config);
      const store = await openStore(config);
      try {
        const result = await reencryptInstanceSecrets(store.db, keyring);
        finishKeyFileRotation(config);
        process.stdout.write(`re-encrypted ${result.values} secrets of ${result.instances} instances under key ${keyring.currentKeyId}\n`);
      } finally {
        await store.close();
      }
      return;
    }
    case 'emulator': {
      const load = sub !== undefined && Object.hasOwn(EMULATOR_COMMANDS, sub) ? EMULATOR_COMMANDS[sub] : undefined;
      if (!load) throw new UsageError(`unknown emulator '${sub ?? ''}'; one of: ${Object.keys(EMULATOR_COMMANDS).join(', ')}`);
      const { runEmulatorCommand } = await load();
      await runEmulatorCommand(argv.slice(2));
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return;
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

class UsageError extends Error {}

/** A failure the operator can act on from its message alone: printed without a stack trace. */
class CommandFailed extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`configuration error: ${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof SchemaTooNewError || error instanceof CommandFailed) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(64);
  }
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
