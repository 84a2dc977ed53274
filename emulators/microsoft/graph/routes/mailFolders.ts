// Mail folders: list (top level), get by id or well-known name, create, rename and delete a user
// folder (deleting a folder deletes its messages, which delta then reports as removed). Well-known
// folders cannot be renamed or deleted (403 ErrorDeleteDistinguishedFolder / ErrorAccessDenied).

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { GraphError } from '../../microsoftErrors.ts';
import { READ_MAIL, WRITE_MAIL } from '../../oauth/scopes.ts';
import { graphRoute, requireObject } from '../graphRoute.ts';
import type { Mailbox } from '../mailboxStore.ts';
import type { StoredFolder } from '../mailModel.ts';
import { renderFolder } from '../messageShape.ts';
import { parseSkip, parseTop } from '../odataQuery.ts';

export function folderOrThrow(mailbox: Mailbox, idOrName: string): StoredFolder {
  const folder = mailbox.folder(decodeURIComponent(idOrName));
  if (folder === undefined) throw GraphError.notFound('The specified object was not found in the store.');
  return folder;
}

export function registerMailFolderRoutes(app: FastifyInstance, state: EmulatorState): void {
  graphRoute(app, state, 'GET', '/mailFolders', READ_MAIL, ({ mailbox, query, contextBase, origin, request }) => {
    const top = parseTop(query.$top);
    const skip = parseSkip(query.$skip);
    const all = [...mailbox.folders.values()].filter((f) => f.parentFolderId === mailbox.rootFolderId);
    const page = all.slice(skip, skip + top);
    const result: Record<string, unknown> = { '@odata.context': `${contextBase}/mailFolders`, value: page.map((f) => renderFolder(mailbox, f)) };
    if (skip + top < all.length) result['@odata.nextLink'] = nextLink(origin, request.url, { $top: String(top), $skip: String(skip + top) });
    return result;
  });

  graphRoute(app, state, 'GET', '/mailFolders/:folderId/childFolders', READ_MAIL, ({ mailbox, params, contextBase }) => {
    const parent = folderOrThrow(mailbox, params.folderId as string);
    const children = [...mailbox.folders.values()].filter((f) => f.parentFolderId === parent.id);
    return { '@odata.context': `${contextBase}/mailFolders('${parent.id}')/childFolders`, value: children.map((f) => renderFolder(mailbox, f)) };
  });

  graphRoute(app, state, 'GET', '/mailFolders/:folderId', READ_MAIL, ({ mailbox, params, contextBase }) => {
    const folder = folderOrThrow(mailbox, params.folderId as string);
    return { '@odata.context': `${contextBase}/mailFolders/$entity`, ...renderFolder(mailbox, folder) };
  });

  const create = (parentOf: (mailbox: Mailbox, params: Record<string, string>) => StoredFolder | undefined) =>
    (({ mailbox, params, body, reply, contextBase }) => {
      const json = requireObject(body);
      const displayName = json.displayName;
      if (typeof displayName !== 'string' || displayName.trim() === '') throw GraphError.badRequest("The value of property 'displayName' is invalid.", 'ErrorInvalidRequest');
      const parent = parentOf(mailbox, params);
      const parentId = parent?.id ?? mailbox.rootFolderId;
      const siblings = [...mailbox.folders.values()].filter((f) => f.parentFolderId === parentId);
      if (siblings.some((f) => f.displayName.toLowerCase() === displayName.toLowerCase())) {
        throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
      }
      const folder = mailbox.createFolder(displayName, parentId);
      reply.code(201);
      return { '@odata.context': `${contextBase}/mailFolders/$entity`, ...renderFolder(mailbox, folder) };
    }) satisfies Parameters<typeof graphRoute>[5];

  graphRoute(app, state, 'POST', '/mailFolders', WRITE_MAIL, create(() => undefined));
  graphRoute(app, state, 'POST', '/mailFolders/:folderId/childFolders', WRITE_MAIL, create((mailbox, params) => folderOrThrow(mailbox, params.folderId as string)));

  graphRoute(app, state, 'PATCH', '/mailFolders/:folderId', WRITE_MAIL, ({ mailbox, params, body, contextBase }) => {
    const folder = folderOrThrow(mailbox, params.folderId as string);
    const json = requireObject(body);
    if (folder.wellKnownName !== undefined) throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
    if (json.displayName !== undefined) {
      if (typeof json.displayName !== 'string' || json.displayName.trim() === '') throw GraphError.badRequest("The value of property 'displayName' is invalid.", 'ErrorInvalidRequest');
      folder.displayName = json.displayName;
    }
    return { '@odata.context': `${contextBase}/mailFolders/$entity`, ...renderFolder(mailbox, folder) };
  });

  graphRoute(app, state, 'DELETE', '/mailFolders/:folderId', WRITE_MAIL, ({ mailbox, params, reply }) => {
    const folder = folderOrThrow(mailbox, params.folderId as string);
    if (folder.wellKnownName !== undefined) throw new GraphError(403, 'ErrorDeleteDistinguishedFolder', 'Distinguished folders cannot be deleted.');
    mailbox.deleteFolder(folder.id);
    reply.code(204);
    return undefined;
  });
}

/** The request's own URL with some query options replaced, absolute, as Graph's nextLink. */
export function nextLink(origin: string, url: string, replace: Record<string, string>): string {
  const target = new URL(url, origin);
  for (const [key, value] of Object.entries(replace)) target.searchParams.set(key, value);
  // Graph writes the OData options with a literal `$` ($skip, $top), not %24.
  return target.toString().replace(/%24/g, '$');
}
