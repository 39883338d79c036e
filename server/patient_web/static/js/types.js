// @ts-check
// The shapes of the JSON API and of the socket frames that the patient pages use, for tsc only:
// modules name them with JSDoc `@import`, which loads nothing in the browser. Sources of truth:
// server/api/schemas*.py and server/api/routes/calls.py (REST), server/api/realtime.py and
// docs/video.md (frames). Only the fields the pages read are listed.

// ------------------------------------------------------------------ accounts

/**
 * The signed-in user (UserPublic, GET /me and the sessions' `user`).
 * @typedef {object} User
 * @property {string} id
 * @property {string} role  "patient" on these pages
 * @property {string} first_name
 * @property {string} last_name
 * @property {number} event_seq  the user's latest event: the socket resumes after it
 */

/**
 * What sign-in and sign-up return (SessionPublic).
 * @typedef {object} SessionPublic
 * @property {string} token
 * @property {User} user
 */

/**
 * The session kept in sessionStorage (session.js): the token and who it is.
 * @typedef {object} StoredSession
 * @property {string} token
 * @property {Pick<User, "id" | "role" | "first_name" | "last_name">} user
 */

/**
 * POST /auth/patients: the same answer whether or not the contact has an account.
 * @typedef {object} PatientSignupStarted
 * @property {string} signup_id
 * @property {"email" | "sms"} channel
 * @property {string} detail  where the code was sent, in French
 */

/**
 * POST /auth/password-reset.
 * @typedef {object} PasswordResetStarted
 * @property {string} reset_id
 * @property {string} detail  where the code was sent, in French
 */

/**
 * A person of a conversation (PersonPublic): no label, no display name.
 * @typedef {object} Person
 * @property {string} id
 * @property {string} first_name
 * @property {string} last_name
 * @property {string | null} [profession]
 * @property {string | null} [specialty]
 * @property {string | null} [city]
 */

// ------------------------------------------------------------------ conversations and messages

/**
 * An attachment's description in `message.data.attachment`.
 * @typedef {object} AttachmentInfo
 * @property {string} id
 * @property {string} filename
 * @property {string} content_type
 * @property {number} size  bytes
 * @property {number | null} [width]
 * @property {number | null} [height]
 */

/**
 * A message (MessagePublic), or the page's own copy while it is being sent (`pending`, `failed`:
 * no `seq` nor `created_at` yet).
 * @typedef {object} Message
 * @property {string} id
 * @property {string} [conversation_id]
 * @property {number} [seq]
 * @property {string | null} sender_id
 * @property {string} sender_role  "patient" | "practitioner" | "system"
 * @property {string} kind  "text" | "attachment" | "system" …
 * @property {string} body
 * @property {{attachment?: AttachmentInfo} | null} [data]
 * @property {string} [created_at]  ISO instant
 * @property {boolean} [pending]
 * @property {boolean} [failed]
 */

/**
 * GET /conversations/{id}/messages.
 * @typedef {object} MessagesPage
 * @property {Message[]} items
 */

/**
 * A conversation (ConversationPublic).
 * @typedef {object} Conversation
 * @property {string} id
 * @property {Person} practitioner
 * @property {Person} patient
 * @property {string} created_at
 * @property {string} updated_at
 * @property {number} last_seq
 * @property {Message | null} last_message
 * @property {number} unread
 * @property {number} read_seq
 * @property {PatientWrite} patient_write
 * @property {boolean} patient_can_write
 */

/**
 * Whether the patient may write (PatientWritePublic): always, never, or until a day (YYYY-MM-DD,
 * in France, included).
 * @typedef {object} PatientWrite
 * @property {"always" | "never" | "until"} mode
 * @property {string | null} until
 */

/**
 * GET /conversations.
 * @typedef {object} ConversationsPage
 * @property {Conversation[]} items
 * @property {string | null} next_before
 */

// ------------------------------------------------------------------ directory and requests

/**
 * A practitioner of the directory (PractitionerCardPublic), with what the page adds once a request
 * was sent.
 * @typedef {object} PractitionerCard
 * @property {string} id
 * @property {string} display_name  « Dr Claire Martin »
 * @property {string} profession
 * @property {string} profession_label
 * @property {string | null} specialty_label
 * @property {string | null} city
 * @property {string | null} [conversation_id]
 * @property {string | null} [request_status]
 * @property {boolean} [just_sent]  set by the page
 */

/**
 * GET /directory.
 * @typedef {object} DirectoryPage
 * @property {PractitionerCard[]} items
 */

/**
 * A connection request (ConnectionRequestPublic).
 * @typedef {object} ConnectionRequest
 * @property {string} id
 * @property {PractitionerCard} practitioner
 * @property {"pending" | "accepted" | "declined"} status
 * @property {string | null} conversation_id
 */

/**
 * GET /connection-requests.
 * @typedef {object} ConnectionRequestsPage
 * @property {ConnectionRequest[]} items
 */

/**
 * POST /connection-requests.
 * @typedef {object} ConnectionRequestOutcome
 * @property {"created" | "existing" | "existing_conversation"} outcome
 * @property {ConnectionRequest | null} request
 * @property {string | null} conversation_id
 */

/**
 * POST /invitation-links/accept.
 * @typedef {object} InvitationAccepted
 * @property {string} conversation_id
 */

// ------------------------------------------------------------------ payments

/**
 * Who asks for the fee, as the banner names them (PractitionerFeePublic).
 * @typedef {object} PractitionerFee
 * @property {string} display_name
 * @property {string} profession_label
 * @property {string} sector_notice
 */

/**
 * A payment request (PaymentPublic).
 * @typedef {object} Payment
 * @property {string} id
 * @property {string} conversation_id
 * @property {number} amount_cents
 * @property {string} label
 * @property {"pending" | "paid" | "cancelled" | "refunded" | string} status
 * @property {boolean} can_pay_online
 * @property {string | null} method  "online" (paid by the patient) or how the practitioner was paid
 * @property {string | null} method_label  « virement », « chèque »… (French)
 * @property {PractitionerFee} practitioner
 * @property {string} fee_notice
 * @property {string} created_at
 * @property {string | null} paid_at
 */

/**
 * GET /conversations/{id}/payments.
 * @typedef {object} PaymentsPage
 * @property {Payment[]} items
 */

/**
 * POST /payments/{id}/checkout.
 * @typedef {object} Checkout
 * @property {string} url
 */

// ------------------------------------------------------------------ calls

/**
 * A video call (CallPublic).
 * @typedef {object} Call
 * @property {string} id
 * @property {string} conversation_id
 * @property {"active" | "ended"} status
 * @property {string} started_at
 * @property {string | null} ended_at
 * @property {string | null} end_reason
 */

/**
 * GET /conversations/{id}/calls/current.
 * @typedef {object} CurrentCall
 * @property {Call | null} call
 */

/**
 * The pre-call check's result, sent to the practitioner in `call.precheck`.
 * @typedef {object} PrecheckResult
 * @property {string} camera  "ok" | "denied" | "missing" | "busy" | "error"
 * @property {string} microphone  same states as the camera
 * @property {string} server  "ok" | "failed"
 * @property {string} network  "ok" | "failed"
 * @property {string} relay  "ok" | "failed" | "none"
 * @property {string} browser  « Chrome 120 »
 */

/**
 * A frame the page sends on the socket (docs/video.md, server/api/realtime.py).
 * @typedef {{type: "auth", token: string, last_seq: number}
 *   | {type: "pong"}
 *   | {type: "call.ready", call_id: string, peer: string}
 *   | {type: "call.answer" | "call.offer", call_id: string, session: string, sdp: string}
 *   | {type: "call.candidate", call_id: string, session: string, candidate: RTCIceCandidateInit | null}
 *   | {type: "call.renegotiate" | "call.hangup", call_id: string, reason: string}
 *   | {type: "call.waiting", conversation_id: string, state: "waiting" | "left"}
 *   | {type: "call.precheck", conversation_id: string, result: PrecheckResult}} OutgoingFrame
 */

/**
 * A frame the socket receives that is not a persisted event: the call's signaling relayed from the
 * practitioner (stamped with `conversation_id` and `from`) and the server's refusals. Fields not
 * set by a frame type are absent.
 * @typedef {object} IncomingFrame
 * @property {string} type  "ready" | "ping" | "event" | "error" | "call.offer" | …
 * @property {number} [seq]  "event"; "ready": the server's latest
 * @property {boolean} [reset]  "ready": the events after `last_seq` are gone, reload over REST
 * @property {string} [event]  "event": "message.created", "call.started" …
 * @property {EventData} [data]  "event"
 * @property {string} [code]  "error"
 * @property {string} [detail]  "error"
 * @property {string} [conversation_id]
 * @property {string} [call_id]
 * @property {string} [peer]  "call.ready": the other side's page load or app start
 * @property {string} [session]
 * @property {string} [sdp]
 * @property {RTCIceCandidateInit | null} [candidate]
 */

/**
 * The data of a persisted event (one shape per event name; only the fields the pages read).
 * @typedef {object} EventData
 * @property {Message} [message]  message.created
 * @property {string} [conversation_id]  conversation.updated
 * @property {boolean} [patient_can_write]  conversation.updated
 * @property {PatientWrite} [patient_write]  conversation.updated
 * @property {Payment} [payment]  payment.created, payment.updated
 * @property {Call} [call]  call.started, call.ended
 * @property {ConnectionRequest} [request]  connection_request.updated
 */

export {};
