/**
 * The errors a route throws for the router to answer: 400 and 404 with the
 * error's message.
 *
 * @module
 */

/** Thrown by parameter parsing; becomes a 400 naming the parameter. */
export class BadRequest extends Error {}

/** Thrown when the file lacks what was asked for; becomes a 404. */
export class NotFound extends Error {}
