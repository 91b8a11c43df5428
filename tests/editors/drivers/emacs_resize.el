;;; emacs_resize.el --- grepls's highlights in a window that grows without scrolling  -*- lexical-binding: t -*-
;; Run by `emacs -nw' on a 24-line terminal.  The file shows in a 5-line window over another
;; buffer's; once its lines in view (and the page below, drawn ahead) are painted, each step
;; resizes that window without scrolling it and records whether every matching line in view is
;; painted (waiting 10 s at most) and how many `grepls.matchesInLines' requests were sent:
;; `enlarge-window' (5 lines to 17), `shrink-window' (back to 5: nothing new to draw) and, after
;; a new pattern drawn in the small window, `delete-other-windows' (C-x 1: 5 lines to 22); then
;; the frame made 10 lines high and, after a pattern drawn there, 24 again.  Writes the steps as
;; JSON to $GREPLS_OUT.
(require 'json)
(require 'cl-lib)

(defvar grepls-resize--asked 0 "How many `grepls.matchesInLines' requests were sent.")

(defun grepls-resize--count (_connection _method params &rest _)
  (when (equal (plist-get params :command) "grepls.matchesInLines")
    (setq grepls-resize--asked (1+ grepls-resize--asked))))

(advice-add 'jsonrpc-async-request :before #'grepls-resize--count)

(defun grepls-resize--lines (pattern)
  "(MATCHING PAINTED): how many lines in view hold PATTERN, and how many of those are painted."
  (let ((last (line-number-at-pos (window-end nil t))) (matching 0) (painted 0))
    (save-excursion
      (goto-char (window-start))
      (while (and (<= (line-number-at-pos) last) (not (eobp)))
        (when (string-search pattern (buffer-substring (line-beginning-position)
                                                       (line-end-position)))
          (setq matching (1+ matching))
          (when (cl-some (lambda (o) (overlay-get o 'grepls))
                         (overlays-in (line-beginning-position) (line-end-position)))
            (setq painted (1+ painted))))
        (forward-line 1)))
    (list matching painted)))

(defun grepls-resize--wait (seconds predicate)
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (redisplay))
    (funcall predicate)))

(defun grepls-resize--all-painted (pattern)
  (pcase-let ((`(,matching ,painted) (grepls-resize--lines pattern)))
    (= matching painted)))

(defun grepls-resize--step (name pattern resize)
  "Call RESIZE, then record NAME: the window's lines, PATTERN's lines in view painted, requests."
  (let ((before grepls-resize--asked))
    (funcall resize)
    (redisplay)  ; runs `window-size-change-functions'
    (grepls-resize--wait 10 (lambda () (grepls-resize--all-painted pattern)))
    (grepls-resize--wait 0.5 #'ignore)  ; long enough for a request that should not be there
    (pcase-let ((`(,matching ,painted) (grepls-resize--lines pattern)))
      `((step . ,name) (height . ,(window-body-height)) (matching . ,matching)
        (painted . ,painted) (asked . ,(- grepls-resize--asked before))))))

;; Native compilation's warnings (a fresh HOME compiles at start) would take half the screen.
(setq native-comp-async-report-warnings-errors 'silent)

(let ((ok nil) (steps nil))
  (condition-case err
      (progn
        (find-file (getenv "GREPLS_FIXTURE"))
        (delete-other-windows)
        (split-window-below 6)
        (set-window-buffer (next-window) (get-buffer-create "*scratch*"))
        (apply #'eglot (eglot--guess-contact))
        ;; Interactive Emacs stops waiting for the connection when input is pending (the
        ;; terminal's answers to Emacs's queries count): wait for the buffer to be managed.
        (unless (grepls-resize--wait 20 #'eglot-managed-p)
          (error "eglot never managed the buffer"))
        (grepls-set-pattern "TODO")
        (redisplay)
        (unless (grepls-resize--wait 20 (lambda () (grepls-resize--all-painted "TODO")))
          (error "the small window's lines were never painted"))
        (grepls-resize--wait 1 #'ignore)  ; the draws after connecting and setting the pattern
        (push (grepls-resize--step "enlarged" "TODO" (lambda () (enlarge-window 12))) steps)
        (push (grepls-resize--step "shrunk" "TODO" (lambda () (shrink-window 12))) steps)
        (grepls-set-pattern "line")
        (unless (grepls-resize--wait 20 (lambda () (grepls-resize--all-painted "line")))
          (error "the new pattern was never painted"))
        (grepls-resize--wait 1 #'ignore)
        (push (grepls-resize--step "C-x 1" "line" #'delete-other-windows) steps)
        (push (grepls-resize--step "frame shrunk" "line" (lambda () (set-frame-height nil 10)))
              steps)
        (grepls-set-pattern "TODO")
        (unless (grepls-resize--wait 20 (lambda () (grepls-resize--all-painted "TODO")))
          (error "the pattern was never painted again"))
        (grepls-resize--wait 1 #'ignore)
        (push (grepls-resize--step "frame grown" "TODO" (lambda () (set-frame-height nil 24)))
              steps)
        (setq ok t))
    (error (push `((error . ,(error-message-string err))) steps)))
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (getenv "GREPLS_OUT")
      (insert (json-encode `((ok . ,(if ok t :json-false)) (steps . ,(vconcat (reverse steps))))))))
  (kill-emacs (if ok 0 1)))
;;; emacs_resize.el ends here
