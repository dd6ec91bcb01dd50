#!/usr/bin/env node
// A small MCP stdio server for the context example: project notes kept in memory. It runs offline
// from this repository's node_modules (`@modelcontextprotocol/sdk`); Token Lens starts it (once you
// allow it) only to ask for its tools and count them. With $NOTES_SERVER_STARTED set to a file
// path, it appends "started <pid>" to that file when it starts: a way to see when it runs.
import { appendFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

if (process.env.NOTES_SERVER_STARTED) appendFileSync(process.env.NOTES_SERVER_STARTED, `started ${process.pid}\n`);

const notes = new Map();

const tools = [
  {
    name: 'add_note',
    description: 'Add a note to the project notebook. Use it to record decisions, open questions and facts worth keeping between sessions.',
    inputSchema: {
      type: 'object',
      properties: {
        title: { type: 'string', description: 'A short title, unique in the notebook.' },
        body: { type: 'string', description: 'The note, in Markdown.' },
        tags: { type: 'array', items: { type: 'string' }, description: 'Tags to find the note by.' },
      },
      required: ['title', 'body'],
    },
  },
  {
    name: 'search_notes',
    description: 'Search the project notebook by words in the title or body, or by tag. Returns matching titles with their first line.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'Words to look for.' },
        tag: { type: 'string', description: 'Only notes with this tag.' },
        limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
      },
    },
  },
  {
    name: 'read_note',
    description: 'Read one note in full by its title.',
    inputSchema: { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] },
  },
];

const server = new Server({ name: 'notes', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  const args = request.params.arguments ?? {};
  switch (request.params.name) {
    case 'add_note':
      notes.set(String(args.title), { body: String(args.body), tags: Array.isArray(args.tags) ? args.tags.map(String) : [] });
      return { content: [{ type: 'text', text: `Saved "${args.title}".` }] };
    case 'search_notes': {
      const q = String(args.query ?? '').toLowerCase();
      const hits = [...notes.entries()].filter(([t, n]) => (!q || `${t} ${n.body}`.toLowerCase().includes(q)) && (!args.tag || n.tags.includes(args.tag)));
      return { content: [{ type: 'text', text: hits.map(([t, n]) => `${t}: ${n.body.split('\n')[0]}`).join('\n') || 'No note matches.' }] };
    }
    case 'read_note': {
      const note = notes.get(String(args.title));
      return { content: [{ type: 'text', text: note ? note.body : `No note "${args.title}".` }], isError: !note };
    }
    default:
      return { content: [{ type: 'text', text: `Unknown tool ${request.params.name}.` }], isError: true };
  }
});
await server.connect(new StdioServerTransport());
